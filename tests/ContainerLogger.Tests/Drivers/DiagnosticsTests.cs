using ContainerLogger.Drivers;

namespace ContainerLogger.Tests.Drivers;

/// <summary>CONTRACT.md section 7: diagnostics are prefixed and rate limited; the summary is never suppressed.</summary>
public class DiagnosticsTests
{
    [Test]
    public void ABurstOfTwentyThenOneASecondWithSuppressedMessagesCounted()
    {
        long now = 0;
        var output = new StringWriter();
        var diagnostics = new Diagnostics(output, () => now);
        for (int i = 0; i < 25; i++) diagnostics.Report($"failure {i}");
        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines, Has.Length.EqualTo(20));
        Assert.That(lines, Has.All.StartWith("containerlogger: "));
        Assert.That(lines[^1], Is.EqualTo("containerlogger: failure 19"));

        diagnostics.Always("summary read.stdout.lines=1");
        now += 1000;
        diagnostics.Report("failure 25");
        diagnostics.Report("failure 26");
        lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines[20..], Is.EqualTo(new[]
        {
            "containerlogger: (5 messages suppressed)",
            "containerlogger: summary read.stdout.lines=1",
            "containerlogger: failure 25",
        }), "one more a second; the summary is never suppressed");
    }
}
