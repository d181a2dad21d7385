using System.Globalization;

namespace ContainerLogger.Benchmarks;

/// <summary>Sizes as the harness's options take them: a number with an optional k, m or g (binary units).</summary>
internal static class Sizes
{
    public static bool TryParse(string text, out long bytes)
    {
        bytes = 0;
        text = text.Trim().ToLowerInvariant();
        long unit = text.Length == 0 ? 1 : text[^1] switch { 'k' => 1L << 10, 'm' => 1L << 20, 'g' => 1L << 30, _ => 1 };
        if (unit > 1) text = text[..^1];
        if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out long number) || number <= 0) return false;
        bytes = number * unit;
        return true;
    }
}
