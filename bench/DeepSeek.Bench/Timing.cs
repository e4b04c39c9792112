using System.Diagnostics;

namespace DeepSeek.Bench;

/// <summary>Timing helpers: calibrated inner repeat counts and medians.</summary>
internal static class Timing
{
    /// <summary>Seconds for one call of <paramref name="action"/> repeated <paramref name="inner"/> times, divided by inner.</summary>
    public static double Measure(Action action, int inner)
    {
        long t0 = Stopwatch.GetTimestamp();
        for (int i = 0; i < inner; i++) action();
        return Stopwatch.GetElapsedTime(t0).TotalSeconds / inner;
    }

    /// <summary>How many calls make one sample of about <paramref name="targetSeconds"/>.</summary>
    public static int InnerCount(double secondsPerCall, double targetSeconds) =>
        (int)Math.Clamp(Math.Ceiling(targetSeconds / Math.Max(secondsPerCall, 1e-9)), 1, 10_000);

    public static double Median(List<double> xs)
    {
        var s = xs.Order().ToArray();
        return s.Length == 0 ? double.NaN : s.Length % 2 == 1 ? s[s.Length / 2] : 0.5 * (s[s.Length / 2 - 1] + s[s.Length / 2]);
    }
}
