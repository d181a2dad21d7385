using System.Globalization;
using System.Text.RegularExpressions;

namespace ContainerLogger.Templates;

/// <summary>
/// The container's creation time as Go's time.Time prints it. Kept as the wall-clock fields and offset that were
/// given, with all nine fraction digits, because Go keeps the parsed location and nanoseconds.
/// </summary>
internal sealed partial class GoTime
{
    private readonly string _date;
    private readonly string _clock;
    private readonly string _fraction;
    private readonly int _offsetMinutes;
    private readonly bool _utc;

    private GoTime(string date, string clock, string fraction, int offsetMinutes, bool utc)
    {
        _date = date;
        _clock = clock;
        _fraction = fraction.Length > 9 ? fraction[..9].TrimEnd('0') : fraction.TrimEnd('0');
        _offsetMinutes = offsetMinutes;
        _utc = utc;
    }

    /// <summary>Go's zero time, what Docker has when the creation time is unknown.</summary>
    public static readonly GoTime Zero = new("0001-01-01", "00:00:00", "", 0, utc: true);

    /// <summary>Reads DOCKERLOG_CREATETIME; RFC 3339 keeps every digit, other forms .NET accepts go through DateTimeOffset.</summary>
    public static GoTime Parse(string text)
    {
        if (text.Length == 0) return Zero;
        var match = Rfc3339().Match(text);
        if (match.Success)
        {
            var zone = match.Groups["zone"].Value;
            bool utc = zone is "Z" or "z";
            int offset = utc ? 0 : (zone[0] == '-' ? -1 : 1) * (int.Parse(zone[1..3], CultureInfo.InvariantCulture) * 60 + int.Parse(zone[4..6], CultureInfo.InvariantCulture));
            // A zero numeric offset is UTC in Go too (the host's zone, which is UTC in a container).
            return new GoTime(match.Groups["date"].Value, match.Groups["clock"].Value, match.Groups["fraction"].Value, offset, utc || offset == 0);
        }
        if (!DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out var parsed)) return Zero;
        int minutes = (int)parsed.Offset.TotalMinutes;
        return new GoTime(parsed.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), parsed.ToString("HH:mm:ss", CultureInfo.InvariantCulture),
            parsed.ToString("fffffff", CultureInfo.InvariantCulture), minutes, minutes == 0);
    }

    /// <summary>time.Time.String(): <c>2006-01-02 15:04:05.999999999 -0700 MST</c>; a zone without a name prints its offset.</summary>
    public override string ToString()
    {
        var offset = Offset(withColon: false);
        return $"{_date} {_clock}{Fraction} {offset} {(_utc ? "UTC" : offset)}";
    }

    /// <summary>time.Time.MarshalJSON: RFC 3339 with nanoseconds, trailing zeros dropped.</summary>
    public string ToRfc3339Nano() => $"{_date}T{_clock}{Fraction}{(_utc ? "Z" : Offset(withColon: true))}";

    private string Fraction => _fraction.Length == 0 ? "" : "." + _fraction;

    private string Offset(bool withColon)
    {
        int minutes = Math.Abs(_offsetMinutes);
        return $"{(_offsetMinutes < 0 ? '-' : '+')}{minutes / 60:D2}{(withColon ? ":" : "")}{minutes % 60:D2}";
    }

    [GeneratedRegex(@"^(?<date>[0-9]{4}-[0-9]{2}-[0-9]{2})[Tt](?<clock>[0-9]{2}:[0-9]{2}:[0-9]{2})(?:\.(?<fraction>[0-9]+))?(?<zone>[Zz]|[+-][0-9]{2}:[0-9]{2})\z", RegexOptions.CultureInvariant)]
    private static partial Regex Rfc3339();
}
