using DeepSeek.Backends.Cpu;

namespace DeepSeek.Backends;

/// <summary>Finds the backend for a device. The CPU backend is always present; others register themselves.</summary>
public static class BackendRegistry
{
    private static readonly Lock Gate = new();
    private static readonly Dictionary<Device, IBackend> Map = new() { [Device.Cpu] = CpuBackend.Instance };

    /// <summary>The backend that runs kernels for <paramref name="device"/>.</summary>
    public static IBackend Get(Device device)
    {
        lock (Gate)
        {
            if (Map.TryGetValue(device, out var b)) return b;
        }
        throw new DeepSeekException($"No backend is registered for device {device}. Available: {string.Join(", ", Available.Select(d => d.ToString()))}.");
    }

    /// <summary>Registers (or replaces) the backend of its device.</summary>
    public static void Register(IBackend backend)
    {
        ArgumentNullException.ThrowIfNull(backend);
        lock (Gate) Map[backend.Device] = backend;
    }

    /// <summary>Devices with a registered backend.</summary>
    public static IReadOnlyList<Device> Available
    {
        get { lock (Gate) return Map.Keys.ToArray(); }
    }
}
