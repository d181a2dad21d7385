using System.Diagnostics;
using ContainerLogger.Benchmarks.Receivers;

namespace ContainerLogger.Benchmarks.Soak;

/// <summary>
/// What /proc said about a logger at one moment of the soak, <see cref="Seconds"/> after the load began, and how many
/// lines had been written into it by then.
/// </summary>
internal readonly record struct SoakSample(double Seconds, long PrivateDirtyKiB, long RssKiB, int Threads, int OpenFds, long CpuTicks, long Sent)
{
    public static SoakSample Read(int pid, double seconds, long sent)
    {
        var stats = ProcessStats.Read(pid);
        return new SoakSample(seconds, stats.PrivateDirtyKiB, stats.RssKiB, stats.Threads, ProcessStats.OpenFds(pid), stats.CpuTicks, sent);
    }
}

/// <summary>
/// One case's soak: the idle figure (one line delivered, then silence), the samples taken while lines flowed at the
/// steady rate, and what arrived.
/// </summary>
/// <param name="HeapAllocatedBytes">What the logger allocated on its managed heap from its start to its exit (its summary
/// line: start-up and shutdown included), and <paramref name="Collections"/> the collections that took; null for a
/// logger that does not say.</param>
internal sealed record SoakResult(string Case, SoakSample Idle, IReadOnlyList<SoakSample> Samples, double TargetRate, long Sent, long Received,
    int ExitCode, long MaxBufferKiB, long? HeapAllocatedBytes, long? Collections)
{
    public SoakSample First => Samples[0];
    public SoakSample Last => Samples[^1];
    /// <summary>The sample at or just after the middle of the run.</summary>
    public SoakSample Middle => Samples.First(s => s.Seconds >= Last.Seconds / 2);
    public long SecondHalfGrowthKiB => Last.PrivateDirtyKiB - Middle.PrivateDirtyKiB;
    public long OverIdleKiB => Last.PrivateDirtyKiB - Idle.PrivateDirtyKiB;
    /// <summary>The rate the writer held over the samples.</summary>
    public double SentPerSecond => Last.Sent / Math.Max(1e-9, Last.Seconds);
    /// <summary>The logger's CPU over the load, in percent of one core.</summary>
    public double CpuPercent => (Last.CpuTicks - First.CpuTicks) / (double)ProcessStats.TicksPerSecond / Math.Max(1e-9, Last.Seconds - First.Seconds) * 100;
    /// <summary>
    /// Threads, and open descriptors, do not grow: the second half's fewest are no more than the first half's fewest.
    /// A leak raises that floor; what is open only while work is in progress comes and goes above it (the disk
    /// buffer's finished segment until its sync, the s3 driver's file being gzipped and uploaded).
    /// </summary>
    public bool ThreadsConstant => NoGrowth(s => s.Threads);
    public bool FdsConstant => NoGrowth(s => s.OpenFds);

    private bool NoGrowth(Func<SoakSample, int> count) =>
        Samples.Where(s => s.Seconds >= Middle.Seconds).Min(count) <= Samples.Where(s => s.Seconds < Middle.Seconds).DefaultIfEmpty(First).Min(count);

    /// <summary>Issue 15's targets: under 256 KiB of growth in the second half, within max-buffer-size + 1 MiB of idle, threads and fds not growing.</summary>
    public bool MeetsTargets => SecondHalfGrowthKiB < 256 && OverIdleKiB <= MaxBufferKiB + 1024 && ThreadsConstant && FdsConstant;
}

/// <summary>
/// The soak (<c>--soak DURATION</c>): every case's logger at the same steady rate, all at once, sampled every
/// <c>interval</c> (private dirty memory, RSS, threads, open descriptors, CPU), for the whole duration.
/// </summary>
internal static class SoakRun
{
    /// <summary>The options every soak logger runs with: the product's defaults (non-blocking, a 1 MiB buffer).</summary>
    private const string Mode = "non-blocking";
    private const long MaxBufferKiB = 1024;

    /// <param name="logOptions">Options added to every case's (--log-opt).</param>
    public static IReadOnlyList<SoakResult> Measure(string logger, IReadOnlyList<SoakCase> cases, TimeSpan duration, double rate, TimeSpan interval,
        IReadOnlyDictionary<string, string>? logOptions = null)
    {
        // A binary just written has dirty page-cache pages, which smaps counts as the process's private dirty memory.
        using (var sync = Process.Start("sync", [logger])) sync.WaitForExit();
        var subjects = new List<Subject>();
        try
        {
            foreach (var soakCase in cases) subjects.Add(new Subject(soakCase, logger, rate, duration, logOptions ?? new Dictionary<string, string>()));
            Parallel.ForEach(subjects, s => s.StartIdle());
            var clock = Stopwatch.StartNew();
            foreach (var subject in subjects) subject.StartLoad();
            for (int n = 1; clock.Elapsed < duration; n++)
            {
                var due = interval * n;
                if (due > duration) due = duration;
                var wait = due - clock.Elapsed;
                if (wait > TimeSpan.Zero) Thread.Sleep(wait);
                foreach (var subject in subjects) subject.Sample(clock.Elapsed.TotalSeconds);
            }
            Parallel.ForEach(subjects, s => s.Finish());
            return subjects.Select(s => s.Result()).ToList();
        }
        finally
        {
            foreach (var subject in subjects) subject.Dispose();
        }
    }

    /// <summary>One case's receiver, logger and writer.</summary>
    private sealed class Subject : IDisposable
    {
        private readonly SoakCase _case;
        private readonly Receiver _receiver;
        private readonly ArrivalLedger _ledger;
        private readonly LoggerUnderTest _process;
        private readonly PacedWriter _writer;
        private readonly List<SoakSample> _samples = [];
        private readonly string? _bufferPath;
        private readonly double _rate;
        private Thread? _flapper;
        private volatile bool _stopping;
        private SoakSample _idle;
        private int _exitCode;
        private (long AllocatedBytes, long Collections)? _heap;

        public Subject(SoakCase soakCase, string logger, double rate, TimeSpan duration, IReadOnlyDictionary<string, string> logOptions)
        {
            _case = soakCase;
            _rate = rate;
            _receiver = soakCase.MakeReceiver();
            // Room for every line at the rate, and then some: the writer may run a little past the duration.
            long lines = (long)(rate * (duration.TotalSeconds + 60)) + 1;
            _ledger = new ArrivalLedger(lines, lines);
            _receiver.Start(_ledger);
            var options = new Dictionary<string, string>(soakCase.Options);
            foreach (var (key, value) in logOptions) options[key] = value;
            if (options.ContainsKey("buffer"))
            {
                _bufferPath = Directory.CreateTempSubdirectory("clbench-soak-buffer-").FullName;
                options["buffer-path"] = _bufferPath;
            }
            _process = LoggerUnderTest.Start(logger, _receiver.Driver, Config.Json(_receiver.LogOptions, Mode, options));
            _writer = new PacedWriter(_process, rate, firstNumber: 1);
        }

        /// <summary>One line, delivered; then the idle figure, as the idle benchmark takes it.</summary>
        public void StartIdle()
        {
            IdleResult.DeliverFirstLine(_process, _ledger, _case.Name, TimeSpan.FromSeconds(30), () => Thread.Sleep(10));
            _idle = SoakSample.Read(_process.Pid, 0, 0);
        }

        public void StartLoad()
        {
            _writer.Start();
            if (!_case.Flapping) return;
            var stream = (StreamReceiver)_receiver;
            _flapper = new Thread(() =>
            {
                while (!_stopping)
                {
                    Thread.Sleep(SoakCase.FlapPeriod);
                    stream.GoDown();
                    Thread.Sleep(SoakCase.FlapPeriod);
                    stream.GoUp();
                }
            }) { IsBackground = true, Name = "flapper" };
            _flapper.Start();
        }

        public void Sample(double seconds) => _samples.Add(SoakSample.Read(_process.Pid, seconds, _writer.Sent));

        /// <summary>Stops writing, lets what is queued arrive, then closes the inputs and waits for the logger to exit.</summary>
        public void Finish()
        {
            _writer.Stop();
            _stopping = true;
            _flapper?.Join();
            long seen = -1;
            var quiet = Stopwatch.StartNew();
            while (quiet.Elapsed < TimeSpan.FromSeconds(5))
            {
                long unique = _ledger.Unique;
                if (unique == _writer.Sent + 1) break; // everything arrived (the idle line included)
                if (unique != seen)
                {
                    seen = unique;
                    quiet.Restart();
                }
                Thread.Sleep(50);
            }
            _exitCode = _process.CloseAndWait(TimeSpan.FromSeconds(60));
            _heap = _process.SummaryHeap();
        }

        public SoakResult Result() => new(_case.Name, _idle, _samples, _rate, _writer.Sent + 1, _ledger.Unique, _exitCode, MaxBufferKiB,
            _heap?.AllocatedBytes, _heap?.Collections);

        public void Dispose()
        {
            _stopping = true;
            _process.Dispose();
            _receiver.Dispose();
            if (_bufferPath is not null) Directory.Delete(_bufferPath, recursive: true);
        }
    }
}
