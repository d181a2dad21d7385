using System.Globalization;

namespace ContainerLogger.Benchmarks.Soak;

/// <summary>Durations on the command line: a number and a unit, ms, s, m or h ("10m", "90s", "500ms").</summary>
internal static class Durations
{
    public static bool TryParse(string text, out TimeSpan duration)
    {
        duration = default;
        int unit = text.Length;
        while (unit > 0 && char.IsAsciiLetter(text[unit - 1])) unit--;
        if (!double.TryParse(text.AsSpan(0, unit), NumberStyles.Float, CultureInfo.InvariantCulture, out double value) || value <= 0) return false;
        double? seconds = text[unit..] switch
        {
            "ms" => value / 1000,
            "s" => value,
            "m" => value * 60,
            "h" => value * 3600,
            _ => null,
        };
        if (seconds is null) return false;
        duration = TimeSpan.FromSeconds(seconds.Value);
        return true;
    }
}
