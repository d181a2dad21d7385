using ContainerLogger.Drivers;

namespace ContainerLogger.Tests.Support;

/// <summary>Flushes in tests: one that must succeed (as the old throwing Flush), one that must fail.</summary>
internal static class DriverFlush
{
    /// <summary>Flushes the pending batch; the test fails, saying why, if the driver could not.</summary>
    public static void Flush(this LogDriver driver) =>
        Assert.That(driver.TryFlush(out var failure), Is.True, () => "the flush failed: " + failure);

    /// <summary>Flushes a batch that must fail; returns the failure's text.</summary>
    public static string FlushFails(this LogDriver driver)
    {
        Assert.That(driver.TryFlush(out var failure), Is.False, "the flush should have failed");
        return failure.ToString();
    }
}
