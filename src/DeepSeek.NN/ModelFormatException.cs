namespace DeepSeek.NN;

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
