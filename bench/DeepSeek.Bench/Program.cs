namespace DeepSeek.Bench;

internal static class Program
{
    private static int Main(string[] args)
    {
        if (args.Length == 0)
        {
            Console.Error.WriteLine("usage: DeepSeek.Bench <gemm> [--json]");
            return 2;
        }
        Console.Error.WriteLine($"unknown benchmark '{args[0]}'");
        return 2;
    }
}
