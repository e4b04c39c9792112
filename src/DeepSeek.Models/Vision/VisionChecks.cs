namespace DeepSeek.Models.Vision;

internal static class VisionChecks
{
    /// <summary>Vision models take [N, 3, H, W] floating-point images.</summary>
    public static void CheckImage(string model, Tensor input, int minSize = 1)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.Rank != 4 || input.Size(1) != 3)
            throw new ShapeMismatchException($"{model}: expected images [N, 3, H, W], got shape {input.Shape}.");
        if (input.Size(2) < minSize || input.Size(3) < minSize)
            throw new ShapeMismatchException($"{model}: images of {input.Size(2)}×{input.Size(3)} are too small, need at least {minSize}×{minSize}, got shape {input.Shape}.");
        if (!input.DType.IsFloatingPoint())
            throw new DTypeMismatchException($"{model}: expected floating-point images, got {input.DType.Name()} with shape {input.Shape}.");
    }
}
