// profile.json: the per-op records, per-layer and per-op-type aggregates, end-to-end steps and pool samples of one
// Profile. The layout is documented in docs/profiler.md and checked by docs/profile.schema.json (JSON Schema 2020-12).
using System.Text.Json;

namespace DeepSeek.Profiler;

/// <summary>Writes a <see cref="Profile"/> as profile.json.</summary>
public static class ProfileJson
{
    /// <summary>The value of the document's "schema" field.</summary>
    public const string SchemaId = "deepseek-profile/1";

    /// <summary>Writes <paramref name="profile"/> to the file <paramref name="path"/>.</summary>
    public static void WriteFile(Profile profile, string path)
    {
        using var f = File.Create(path);
        Write(profile, f);
    }

    /// <summary>Writes <paramref name="profile"/> to <paramref name="stream"/> (UTF-8, indented).</summary>
    public static void Write(Profile profile, Stream stream)
    {
        ArgumentNullException.ThrowIfNull(profile);
        ArgumentNullException.ThrowIfNull(stream);
        using var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        w.WriteStartObject();
        w.WriteString("schema", SchemaId);
        w.WriteStartObject("metadata");
        foreach (var (k, v) in profile.Metadata.OrderBy(kv => kv.Key, StringComparer.Ordinal)) w.WriteString(k, v);
        w.WriteEndObject();

        w.WriteStartObject("summary");
        w.WriteNumber("wall_us", profile.WallUs);
        w.WriteNumber("op_total_us", profile.OpTotalUs);
        w.WriteNumber("op_count", profile.Events.Count);
        w.WriteNumber("step_count", profile.Steps.Count);
        w.WriteNumber("step_total_us", profile.StepTotalUs);
        w.WriteNumber("peak_bytes_in_use", profile.PeakBytesInUse);
        w.WriteEndObject();

        w.WriteStartArray("steps");
        foreach (var s in profile.Steps)
        {
            w.WriteStartObject();
            w.WriteNumber("start_us", s.StartUs);
            w.WriteNumber("duration_us", s.DurationUs);
            w.WriteEndObject();
        }
        w.WriteEndArray();

        w.WriteStartArray("ops");
        foreach (var e in profile.Events) WriteEvent(w, e);
        w.WriteEndArray();

        WriteAggregates(w, "by_layer", profile.ByLayer());
        WriteAggregates(w, "by_op_type", profile.ByOpType());

        w.WriteStartArray("pool");
        foreach (var p in profile.PoolSamples)
        {
            w.WriteStartObject();
            w.WriteNumber("time_us", p.TimeUs);
            w.WriteNumber("bytes_in_use", p.BytesInUse);
            w.WriteNumber("bytes_reserved", p.BytesReserved);
            w.WriteNumber("peak_bytes_in_use", p.PeakBytesInUse);
            w.WriteNumber("allocation_count", p.AllocationCount);
            w.WriteNumber("cache_hits", p.CacheHits);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static void WriteEvent(Utf8JsonWriter w, OpEvent e)
    {
        w.WriteStartObject();
        w.WriteString("name", e.Name);
        w.WriteString("layer", e.Layer);
        w.WriteString("op_type", e.OpType);
        w.WriteString("domain", e.Domain);
        w.WriteString("executor", e.Executor);
        w.WriteStartArray("input_shapes");
        foreach (var s in e.InputShapes)
            if (s is null) w.WriteNullValue(); else w.WriteStringValue(s);
        w.WriteEndArray();
        w.WriteString("dtype", e.DType);
        w.WriteNumber("start_us", e.StartUs);
        w.WriteNumber("duration_us", e.DurationUs);
        w.WriteNumber("thread_id", e.ThreadId);
        NumberOrNull(w, "flops", e.Flops);
        w.WriteNumber("bytes", e.Bytes);
        w.WriteNumber("allocated_bytes", e.AllocatedBytes);
        NumberOrNull(w, "gflops_per_s", e.GFlopsPerSecond);
        w.WriteNumber("gbytes_per_s", e.GBytesPerSecond);
        w.WriteEndObject();
    }

    private static void WriteAggregates(Utf8JsonWriter w, string name, IReadOnlyList<ProfileAggregate> list)
    {
        w.WriteStartArray(name);
        foreach (var a in list)
        {
            w.WriteStartObject();
            w.WriteString("key", a.Key);
            w.WriteNumber("count", a.Count);
            w.WriteNumber("total_us", a.TotalUs);
            w.WriteNumber("mean_us", a.MeanUs);
            w.WriteNumber("p50_us", a.P50Us);
            w.WriteNumber("p99_us", a.P99Us);
            w.WriteNumber("percent", a.Percent);
            NumberOrNull(w, "flops", a.Flops);
            w.WriteNumber("bytes", a.Bytes);
            NumberOrNull(w, "gflops_per_s", a.GFlopsPerSecond);
            w.WriteNumber("gbytes_per_s", a.GBytesPerSecond);
            w.WriteEndObject();
        }
        w.WriteEndArray();
    }

    private static void NumberOrNull(Utf8JsonWriter w, string name, long? v)
    {
        if (v is { } x) w.WriteNumber(name, x); else w.WriteNull(name);
    }

    private static void NumberOrNull(Utf8JsonWriter w, string name, double? v)
    {
        if (v is { } x) w.WriteNumber(name, x); else w.WriteNull(name);
    }
}
