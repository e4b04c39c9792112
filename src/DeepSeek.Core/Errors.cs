namespace DeepSeek;

/// <summary>Base of every DeepSeek error. Messages name the op, what was seen and what was expected.</summary>
public class DeepSeekException : Exception
{
    /// <summary>Creates the exception.</summary>
    public DeepSeekException(string message) : base(message) { }
    /// <summary>Creates the exception with an inner cause.</summary>
    public DeepSeekException(string message, Exception inner) : base(message, inner) { }
    /// <summary>Creates the exception.</summary>
    public DeepSeekException() { }
}

/// <summary>Shapes that do not fit the op (broadcast failure, matmul inner dims, conv channels...).</summary>
public class ShapeMismatchException : DeepSeekException
{
    /// <summary>Creates the exception.</summary>
    public ShapeMismatchException(string message) : base(message) { }
    /// <summary>Creates the exception.</summary>
    public ShapeMismatchException() { }
    /// <summary>Creates the exception with an inner cause.</summary>
    public ShapeMismatchException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>Element types that do not fit the op.</summary>
public class DTypeMismatchException : DeepSeekException
{
    /// <summary>Creates the exception.</summary>
    public DTypeMismatchException(string message) : base(message) { }
    /// <summary>Creates the exception.</summary>
    public DTypeMismatchException() { }
    /// <summary>Creates the exception with an inner cause.</summary>
    public DTypeMismatchException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>An axis/dimension argument outside [-rank, rank).</summary>
public class AxisOutOfRangeException : DeepSeekException
{
    /// <summary>Creates the exception.</summary>
    public AxisOutOfRangeException(string message) : base(message) { }
    /// <summary>Creates the exception.</summary>
    public AxisOutOfRangeException() { }
    /// <summary>Creates the exception with an inner cause.</summary>
    public AxisOutOfRangeException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>Tensors on different devices passed to one op.</summary>
public class DeviceMismatchException : DeepSeekException
{
    /// <summary>Creates the exception.</summary>
    public DeviceMismatchException(string message) : base(message) { }
    /// <summary>Creates the exception.</summary>
    public DeviceMismatchException() { }
    /// <summary>Creates the exception with an inner cause.</summary>
    public DeviceMismatchException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>A tensor used after <see cref="Tensor.Dispose"/>.</summary>
public class TensorDisposedException : ObjectDisposedException
{
    /// <summary>Creates the exception.</summary>
    public TensorDisposedException(string message) : base("Tensor", message) { }
    /// <summary>Creates the exception.</summary>
    public TensorDisposedException() : base("Tensor") { }
    /// <summary>Creates the exception with an inner cause.</summary>
    public TensorDisposedException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>
/// A model or weights file that does not follow its format (safetensors header, data layout...).
/// The message names the file, the entry (tensor) and the field at fault.
/// </summary>
public class ModelFormatException : DeepSeekException
{
    /// <summary>Creates the exception.</summary>
    public ModelFormatException(string message) : base(message) { }
    /// <summary>Creates the exception with an inner cause.</summary>
    public ModelFormatException(string message, Exception inner) : base(message, inner) { }
    /// <summary>Creates the exception.</summary>
    public ModelFormatException() { }
}

/// <summary>A data file (CSV...) whose contents cannot be read as a dataset; the message names the file, line and column.</summary>
public class DataFormatException : DeepSeekException
{
    /// <summary>Creates the exception.</summary>
    public DataFormatException(string message) : base(message) { }
    /// <summary>Creates the exception with an inner cause.</summary>
    public DataFormatException(string message, Exception inner) : base(message, inner) { }
    /// <summary>Creates the exception.</summary>
    public DataFormatException() { }
}

/// <summary>An operator no kernel implements (at load time, naming the op, its domain and opset version).</summary>
public class UnsupportedOperatorException : DeepSeekException
{
    /// <summary>Creates the exception.</summary>
    public UnsupportedOperatorException(string message) : base(message) { }
    /// <summary>Creates the exception with an inner cause.</summary>
    public UnsupportedOperatorException(string message, Exception inner) : base(message, inner) { }
    /// <summary>Creates the exception.</summary>
    public UnsupportedOperatorException() { }
}
