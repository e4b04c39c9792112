// Chrome trace-event format (the "Trace Event Format" document used by chrome://tracing and Perfetto): complete events
// (ph "X", ts/dur in µs) for each op and each step, one track per thread (tid) with a thread_name metadata event, and a
// counter track (ph "C") for the pool's bytes in use.
using System.Text.Json;

namespace DeepSeek.Profiler;

/// <summary>Writes a <see cref="Profile"/> as Chrome trace-event JSON (load it in Perfetto or chrome://tracing).</summary>
public static class ChromeTrace
{
    private const int Pid = 1;

    /// <summary>Writes <paramref name="profile"/> to the file <paramref name="path"/>.</summary>
    public static void WriteFile(Profile profile, string path)
    {
        using var f = File.Create(path);
        Write(profile, f);
    }

    /// <summary>Writes <paramref name="profile"/> to <paramref name="stream"/>.</summary>
    public static void Write(Profile profile, Stream stream)
    {
        ArgumentNullException.ThrowIfNull(profile);
        ArgumentNullException.ThrowIfNull(stream);
        using var w = new Utf8JsonWriter(stream);
        w.WriteStartObject();
        w.WriteString("displayTimeUnit", "ms");
        w.WriteStartArray("traceEvents");
        var threads = profile.Events.Select(e => e.ThreadId).Distinct().OrderBy(t => t).ToList();
        int stepThread = threads.Count > 0 ? threads[0] : Environment.CurrentManagedThreadId;
        foreach (var t in threads.Append(stepThread).Distinct())
        {
            w.WriteStartObject();
            w.WriteString("name", "thread_name");
            w.WriteString("ph", "M");
            w.WriteNumber("pid", Pid);
            w.WriteNumber("tid", t);
            w.WriteStartObject("args");
            w.WriteString("name", $"thread {t}");
            w.WriteEndObject();
            w.WriteEndObject();
        }
        for (int i = 0; i < profile.Steps.Count; i++)
        {
            var s = profile.Steps[i];
            w.WriteStartObject();
            w.WriteString("name", $"step {i}");
            w.WriteString("cat", "step");
            w.WriteString("ph", "X");
            w.WriteNumber("ts", s.StartUs);
            w.WriteNumber("dur", s.DurationUs);
            w.WriteNumber("pid", Pid);
            w.WriteNumber("tid", stepThread);
            w.WriteEndObject();
        }
        foreach (var e in profile.Events)
        {
            w.WriteStartObject();
            w.WriteString("name", e.Name.Length > 0 ? $"{e.OpType} {e.Name}" : e.OpType);
            w.WriteString("cat", e.OpType);
            w.WriteString("ph", "X");
            w.WriteNumber("ts", e.StartUs);
            w.WriteNumber("dur", e.DurationUs);
            w.WriteNumber("pid", Pid);
            w.WriteNumber("tid", e.ThreadId);
            w.WriteStartObject("args");
            w.WriteString("layer", e.Layer);
            w.WriteString("executor", e.Executor);
            w.WriteString("dtype", e.DType);
            w.WriteString("input_shapes", string.Join(", ", e.InputShapes.Select(s => s ?? "-")));
            if (e.Flops is { } f) w.WriteNumber("flops", f);
            w.WriteNumber("bytes", e.Bytes);
            if (e.GFlopsPerSecond is { } g) w.WriteNumber("gflops_per_s", Math.Round(g, 3));
            w.WriteNumber("gbytes_per_s", Math.Round(e.GBytesPerSecond, 3));
            w.WriteEndObject();
            w.WriteEndObject();
        }
        foreach (var p in profile.PoolSamples)
        {
            w.WriteStartObject();
            w.WriteString("name", "pool");
            w.WriteString("ph", "C");
            w.WriteNumber("ts", p.TimeUs);
            w.WriteNumber("pid", Pid);
            w.WriteStartObject("args");
            w.WriteNumber("bytes_in_use", p.BytesInUse);
            w.WriteNumber("bytes_reserved", p.BytesReserved);
            w.WriteEndObject();
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
    }
}
