using System.Diagnostics;
using ContainerLogger.Storage;
using ContainerLogger.Tests.Support;

namespace ContainerLogger.Tests.Storage;

public class DirectoryLockTests
{
    [Test]
    public void A_second_claim_is_refused_while_the_first_holds_and_allowed_once_released()
    {
        using var dir = new TempDirectory();
        var first = DirectoryLock.TryAcquire(dir.Path, out var error, out _);
        Assert.That(first, Is.Not.Null, error);
        // flock conflicts between open file descriptions, so a second open in the same process is refused too.
        var second = DirectoryLock.TryAcquire(dir.Path, out error, out bool held);
        Assert.That(second, Is.Null);
        Assert.That(held, Is.True);
        Assert.That(error, Does.Contain(dir.Path).And.Contain("in use by another containerlogger"));
        first!.Dispose();
        using var third = DirectoryLock.TryAcquire(dir.Path, out error, out _);
        Assert.That(third, Is.Not.Null, error);
    }

    [Test]
    public void A_lock_held_by_a_killed_process_is_free_again()
    {
        using var dir = new TempDirectory();
        // flock(1) holds the lock (-o: its child sleep does not inherit it) and is then killed with SIGKILL.
        using var holder = Process.Start(new ProcessStartInfo("flock", ["-x", "-o", Path.Combine(dir.Path, "lock"), "sleep", "60"]))!;
        var clock = Stopwatch.StartNew();
        while (DirectoryLock.TryAcquire(dir.Path, out _, out bool held) is { } early)
        {
            early.Dispose(); // flock(1) has not taken it yet
            Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(10)), "flock(1) never took the lock");
            Thread.Sleep(10);
        }
        holder.Kill(entireProcessTree: true);
        holder.WaitForExit();
        using var after = DirectoryLock.TryAcquire(dir.Path, out var error, out _);
        Assert.That(after, Is.Not.Null, error);
    }

    [Test]
    public void A_directory_that_does_not_exist_is_an_error_not_a_conflict()
    {
        using var dir = new TempDirectory();
        var missing = Path.Combine(dir.Path, "nope");
        Assert.That(DirectoryLock.TryAcquire(missing, out var error, out bool held), Is.Null);
        Assert.That(held, Is.False);
        Assert.That(error, Does.Contain("cannot open"));
    }
}
