using System.Globalization;

namespace ContainerLogger.Config;

/// <summary>Value syntaxes of Docker's log options (Go's strconv, time and docker/go-units rules).</summary>
public static class ValueParsers
{
    /// <summary>Go's strconv.ParseBool.</summary>
    public static bool Bool(string raw) => raw switch
    {
        "1" or "t" or "T" or "TRUE" or "true" or "True" => true,
        "0" or "f" or "F" or "FALSE" or "false" or "False" => false,
        _ => throw new FormatException("expected a bool (true, false, 1, 0, t, f)"),
    };

    public static int Int(string raw, int min, int max)
    {
        if (!int.TryParse(raw, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v))
            throw new FormatException(min == int.MinValue && max == int.MaxValue ? "expected an integer" : $"expected an integer ({RangeText(min, max)})");
        return v < min || v > max ? throw new FormatException(RangeText(min, max)) : v;
    }

    /// <summary>docker/go-units RAMInBytes: binary multipliers (k = 1024).</summary>
    public static long RamSize(string raw) => Size(raw, 1024);

    /// <summary>docker/go-units FromHumanSize: decimal multipliers (k = 1000).</summary>
    public static long HumanSize(string raw) => Size(raw, 1000);

    private static long Size(string raw, double unit)
    {
        int i = 0;
        while (i < raw.Length && (char.IsAsciiDigit(raw[i]) || raw[i] == '.')) i++;
        if (i == 0 || !double.TryParse(raw.AsSpan(0, i), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number))
            throw new FormatException($"invalid size: '{raw}' (expected a number with an optional unit b, k, m, g, t, p)");
        var suffix = raw.AsSpan(i);
        if (suffix.StartsWith(" ")) suffix = suffix[1..];
        var s = suffix.ToString().ToLowerInvariant();
        double mul = s.Length == 0 ? 1 : s[0] switch
        {
            'b' when s.Length == 1 => 1,
            'k' => unit, 'm' => unit * unit, 'g' => Math.Pow(unit, 3), 't' => Math.Pow(unit, 4), 'p' => Math.Pow(unit, 5),
            _ => 0,
        };
        if (mul == 0 || (s.Length > 1 && s[0] != 'b' && s[1..] is not ("b" or "ib")))
            throw new FormatException($"invalid suffix: '{s}' (expected b, k, m, g, t or p, optionally followed by b or ib)");
        var bytes = number * mul;
        return bytes >= long.MaxValue ? throw new FormatException($"invalid size: '{raw}' (too large)") : (long)bytes;
    }

    /// <summary>Go's time.ParseDuration: "300ms", "1.5h", "2h45m", "0".</summary>
    public static TimeSpan Duration(string raw)
    {
        const string Allowed = "expected a duration such as 500ms, 5s, 1m30s (units ns, us, ms, s, m, h)";
        var s = raw.AsSpan();
        bool negative = false;
        if (s.Length > 0 && (s[0] == '-' || s[0] == '+')) { negative = s[0] == '-'; s = s[1..]; }
        if (s.SequenceEqual("0")) return TimeSpan.Zero;
        if (s.IsEmpty) throw new FormatException(Allowed);
        double totalNs = 0;
        while (!s.IsEmpty)
        {
            int n = 0;
            while (n < s.Length && (char.IsAsciiDigit(s[n]) || s[n] == '.')) n++;
            if (n == 0 || !double.TryParse(s[..n], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value))
                throw new FormatException(Allowed);
            s = s[n..];
            int u = 0;
            while (u < s.Length && !char.IsAsciiDigit(s[u]) && s[u] != '.') u++;
            double scale = s[..u] switch
            {
                "ns" => 1, "us" or "µs" or "μs" => 1e3, "ms" => 1e6, "s" => 1e9, "m" => 60e9, "h" => 3600e9,
                _ => throw new FormatException(Allowed),
            };
            totalNs += value * scale;
            s = s[u..];
        }
        // Go's durations are int64 nanoseconds: about 2562047h is the most ParseDuration accepts ("invalid duration").
        if (totalNs >= 9.223372036854775808e18) throw new FormatException(Allowed);
        if (negative) totalNs = -totalNs;
        return TimeSpan.FromTicks((long)(totalNs / 100));
    }

    public static T Range<T>(T value, T min, T max, string raw) where T : IComparable<T> =>
        value.CompareTo(min) < 0 || value.CompareTo(max) > 0 ? throw new FormatException($"'{raw}' is out of range: {RangeText(min, max)}") : value;

    private static string RangeText<T>(T min, T max) => (min, max) switch
    {
        (TimeSpan a, TimeSpan b) when b == TimeSpan.MaxValue => $"must be at least {FormatDuration(a)}",
        (TimeSpan a, TimeSpan b) => $"must be between {FormatDuration(a)} and {FormatDuration(b)}",
        (long a, long b) when b == long.MaxValue => $"must be at least {a} bytes",
        (long a, long b) => $"must be between {a} and {b} bytes",
        (int a, int b) when b == int.MaxValue => $"must be at least {a}",
        _ => $"must be between {min} and {max}",
    };

    public static string FormatDuration(TimeSpan t) =>
        t.Ticks % TimeSpan.TicksPerSecond == 0 ? $"{(long)t.TotalSeconds}s" : $"{(long)t.TotalMilliseconds}ms";
}
