using System.Runtime.InteropServices;

namespace ContainerLogger.Benchmarks.Receivers;

/// <summary>
/// Follows a file that is renamed away and created anew (s3's live staging file) on a thread of its own, counting
/// each json-file record as it is written: the open descriptor keeps reading the renamed file to its end, then
/// the new file at the path is opened.
/// </summary>
internal sealed class StagingFollower : IDisposable
{
    private readonly string _path;
    private readonly ArrivalLedger _ledger;
    private readonly Thread _thread;
    private volatile bool _stopping;

    public StagingFollower(string path, ArrivalLedger ledger)
    {
        _path = path;
        _ledger = ledger;
        _thread = new Thread(Follow) { IsBackground = true, Name = "staging follower" };
        _thread.Start();
    }

    private void Follow()
    {
        var buffer = new byte[1 << 20];
        while (!_stopping)
        {
            FileStream file;
            try
            {
                file = new FileStream(_path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 0);
            }
            catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
            {
                Thread.Sleep(1);
                continue;
            }
            using (file)
            {
                ulong inode = Inode(fd: (int)file.SafeFileHandle.DangerousGetHandle());
                int filled = 0;
                bool rotated = false;
                while (!_stopping)
                {
                    if (filled == buffer.Length) Array.Resize(ref buffer, buffer.Length * 2);
                    int read = file.Read(buffer, filled, buffer.Length - filled);
                    if (read > 0)
                    {
                        filled += read;
                        int consumed = JsonFileReceiver.RecordLines(buffer.AsSpan(0, filled), _ledger);
                        buffer.AsSpan(consumed, filled - consumed).CopyTo(buffer);
                        filled -= consumed;
                        continue;
                    }
                    if (rotated) break; // read to the end once more after the rename: nothing is written to it after that
                    rotated = InodeAt(_path) != inode;
                    if (!rotated) Thread.Sleep(1);
                }
            }
        }
    }

    private static ulong Inode(int fd)
    {
        var stat = new byte[256];
        return fstat(fd, stat) == 0 ? BitConverter.ToUInt64(stat, 8) : 0;
    }

    /// <summary>The inode at <paramref name="path"/> (st_ino, offset 8 of x86-64's struct stat); 0 when there is no file.</summary>
    private static ulong InodeAt(string path)
    {
        var stat = new byte[256];
        return Stat(path, stat) == 0 ? BitConverter.ToUInt64(stat, 8) : 0;
    }

    public void Dispose()
    {
        _stopping = true;
        _thread.Join();
    }

    [DllImport("libc", EntryPoint = "fstat", SetLastError = true)]
    private static extern int fstat(int fd, byte[] buffer);

    [DllImport("libc", EntryPoint = "stat", SetLastError = true)]
    private static extern int Stat(string path, byte[] buffer);
}
