using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Serialization;
using DistillKit.Runtime;
using Microsoft.Win32.SafeHandles;

namespace DistillKit.Training;

/// <summary>
/// One training per output folder: <c>train.lock</c> in the folder names the process that trains there (PID, host,
/// start time, command line), and that process holds an exclusive advisory lock on it (<c>flock(2)</c>, see
/// <see cref="PosixFiles"/>) for as long as it runs. A second training pointed at the folder refuses with a message
/// naming the first. The kernel drops the lock when its process dies, however it dies, so a lock file left by a killed
/// or crashed training holds nothing and is taken over with a warning naming it.
/// <para>
/// Atomic against processes that start at the same moment: the lock file is written complete and locked under a
/// temporary name, then linked into place (which fails when a lock exists), so its content is never partial and it is
/// never unlocked while in place. A stale lock is replaced only by the one process that holds its <c>flock</c>, and only
/// while it is still the file in place; the others see the new holder. Release removes the file before unlocking it.
/// Two further checks are kept from before the <c>flock</c>: a lock whose process still runs on this host (a process
/// with its PID exists, is not a zombie and started when the lock says, so a reused PID does not count) is never taken
/// over, nor a lock from another host, which cannot be checked. Where <c>flock</c> is not available (not Linux, or a
/// file system without it) those checks alone decide, and two processes taking over the same stale lock at the same
/// moment could both proceed.
/// </para>
/// </summary>
public sealed class RunLock : IDisposable
{
    public const string FileName = "train.lock";

    /// <summary>How long a process waits while another takes a stale lock over before it gives up.</summary>
    static readonly TimeSpan TakeoverPatience = TimeSpan.FromSeconds(10);

    /// <summary>The lock file.</summary>
    public string Path { get; }

    readonly SafeFileHandle _held;
    readonly byte[] _content;
    bool _released;

    RunLock(string path, SafeFileHandle held, byte[] content)
    {
        Path = path;
        _held = held;
        _content = content;
    }

    /// <summary>What a lock file holds.</summary>
    public sealed record Owner(
        [property: JsonPropertyName("pid")] int Pid,
        [property: JsonPropertyName("host")] string Host,
        [property: JsonPropertyName("started_utc")] DateTime StartedUtc,
        [property: JsonPropertyName("process_start_ticks")] long? ProcessStartTicks,
        [property: JsonPropertyName("command")] string Command,
        [property: JsonPropertyName("token")] string Token)
    {
        public override string ToString() => $"PID {Pid} on host {Host}, started {StartedUtc:yyyy-MM-dd HH:mm:ss} UTC ({Command})";
    }

    /// <summary>
    /// Takes the folder <paramref name="dir"/> (created if needed) for this process; throws an <see cref="IOException"/>
    /// naming the training that holds it, or naming the lock file and the cause when it cannot be written (a read-only
    /// folder, a full disk). A stale lock is taken over with a warning on <paramref name="warnings"/>.
    /// </summary>
    public static RunLock Acquire(string dir, TextWriter? warnings = null)
    {
        var path = System.IO.Path.Combine(dir, FileName);
        var me = new Owner(Environment.ProcessId, Environment.MachineName, DateTime.UtcNow, ProcessStartTicks(Environment.ProcessId),
            Environment.CommandLine, Guid.NewGuid().ToString("N"));
        var content = JsonSerializer.SerializeToUtf8Bytes(me);
        var tmp = $"{path}.{me.Pid}.{me.Token[..8]}.tmp";
        SafeFileHandle mine;
        try
        {
            Directory.CreateDirectory(dir);
            File.WriteAllBytes(tmp, content);
            mine = PosixFiles.OpenRead(tmp) ?? throw new IOException($"{tmp}: removed while the lock was being taken");
        }
        catch (Exception e) when (WriteFailures.IsWriteFailure(e))
        {
            TryDelete(tmp);
            throw new IOException($"{path}: cannot take the training lock of {dir}: {WriteFailures.Cause(e, path)}.", e);
        }
        PosixFiles.TryLock(mine);  // a file only this process knows yet: locked before it is in place
        var clock = Stopwatch.StartNew();
        try
        {
            while (true)
            {
                if (PosixFiles.MoveNoReplace(tmp, path)) return new RunLock(path, mine, content);  // link(2): fails when a lock exists
                using var theirs = PosixFiles.OpenRead(path);
                if (theirs is null) continue;  // released meanwhile
                var locked = PosixFiles.TryLock(theirs);
                var bytes = PosixFiles.ReadAll(theirs);
                var holder = Parse(bytes);
                if (locked == PosixFiles.LockResult.HeldElsewhere)
                {
                    if (holder is not null && IsRunning(holder)) throw InUse(dir, path, holder);
                    if (clock.Elapsed > TakeoverPatience)
                        throw new IOException($"{dir}: another process has been taking over the stale training lock {path} for {TakeoverPatience.TotalSeconds:F0} s; start one training per folder.");
                    Thread.Sleep(20);  // its writer is gone and another process is taking the folder over right now: look again
                    continue;
                }
                if (PosixFiles.ReadAll(path) is not { } now || !bytes.AsSpan().SequenceEqual(now)) continue;  // replaced or removed since it was opened
                if (holder is not null && IsRunning(holder)) throw InUse(dir, path, holder);  // no flock: a kit before it, or another host
                warnings?.WriteLine(holder is null
                    ? $"warning: {path} is unreadable and no process holds it; taking the folder over."
                    : $"warning: {path} was left by {holder}, which is no longer running; taking the folder over.");
                File.Move(tmp, path, overwrite: true);  // one rename: the folder is never without a lock
                return new RunLock(path, mine, content);
            }
        }
        catch (Exception e)
        {
            mine.Dispose();
            if (e is not IOException && WriteFailures.IsWriteFailure(e))
                throw new IOException($"{path}: cannot take the training lock of {dir}: {WriteFailures.Cause(e, path)}.", e);
            throw;
        }
        finally
        {
            TryDelete(tmp);
        }
    }

    static IOException InUse(string dir, string path, Owner holder) =>
        new($"{dir} is in use by another training: {holder} (lock file {path}). " +
            "Wait for it to finish or stop it, or give this training another output folder (--out).");

    static Owner? Parse(byte[] bytes)
    {
        try
        {
            return JsonSerializer.Deserialize<Owner>(bytes);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }

    /// <summary>True when the lock's process runs (on another host: assumed running, it cannot be checked).</summary>
    public static bool IsRunning(Owner owner)
    {
        if (!string.Equals(owner.Host, Environment.MachineName, StringComparison.Ordinal)) return true;
        if (owner.Pid == Environment.ProcessId) return true;
        if (File.Exists("/proc/self/stat"))
        {
            var started = ProcessStartTicks(owner.Pid);
            return started is not null && (owner.ProcessStartTicks is null || started == owner.ProcessStartTicks);
        }
        try
        {
            using var p = Process.GetProcessById(owner.Pid);
            return !p.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    /// <summary>A process's start time in clock ticks since boot (field 22 of /proc/PID/stat); null when it does not run
    /// or is a zombie (killed, not yet reaped).</summary>
    static long? ProcessStartTicks(int pid)
    {
        string stat;
        try
        {
            stat = File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');  // after "pid (comm) ": state is field 3
        if (fields[0] == "Z" || fields[0] == "X") return null;
        return long.TryParse(fields[19], out var ticks) ? ticks : null;
    }

    /// <summary>Removes the lock file if it is still this one's, then unlocks it.</summary>
    public void Dispose()
    {
        if (_released) return;
        _released = true;
        try
        {
            if (PosixFiles.ReadAll(Path) is { } now && now.AsSpan().SequenceEqual(_content)) File.Delete(Path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
        finally
        {
            _held.Dispose();
        }
    }
}
