using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace DistillKit.Training;

/// <summary>
/// One training per output folder: <c>train.lock</c> in the folder names the process that trains there (PID, host,
/// start time, command line). A second training pointed at the folder refuses with a message naming the first; a lock
/// left by a process that no longer runs (killed, crashed) is taken over with a warning. A process counts as running
/// when a process with its PID exists on this host, is not a zombie and started when the lock says (so a PID reused
/// by another program does not hold the folder). A lock from another host cannot be checked and is never taken over.
/// The lock is created complete in one step (written under a temporary name, then linked into place).
/// </summary>
public sealed class RunLock : IDisposable
{
    public const string FileName = "train.lock";

    /// <summary>The lock file.</summary>
    public string Path { get; }

    readonly string _token;
    bool _released;

    RunLock(string path, string token)
    {
        Path = path;
        _token = token;
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
    /// naming the training that holds it. A stale lock is taken over with a warning on <paramref name="warnings"/>.
    /// </summary>
    public static RunLock Acquire(string dir, TextWriter? warnings = null)
    {
        Directory.CreateDirectory(dir);
        var path = System.IO.Path.Combine(dir, FileName);
        var me = new Owner(Environment.ProcessId, Environment.MachineName, DateTime.UtcNow, ProcessStartTicks(Environment.ProcessId),
            Environment.CommandLine, Guid.NewGuid().ToString("N"));
        var tmp = $"{path}.{me.Pid}.{me.Token[..8]}.tmp";
        File.WriteAllText(tmp, JsonSerializer.Serialize(me));
        try
        {
            for (int attempt = 0; attempt < 3; attempt++)
            {
                try
                {
                    File.Move(tmp, path, overwrite: false);   // fails when a lock exists
                    return new RunLock(path, me.Token);
                }
                catch (IOException) when (File.Exists(path))
                {
                }
                Owner? holder;
                try
                {
                    holder = JsonSerializer.Deserialize<Owner>(File.ReadAllText(path));
                }
                catch (FileNotFoundException)
                {
                    continue;  // released meanwhile
                }
                catch (JsonException e)
                {
                    throw new IOException($"{path}: unreadable training lock ({e.Message}). If no training runs in {dir}, delete the file and start again.", e);
                }
                if (holder is null) throw new IOException($"{path}: empty training lock. If no training runs in {dir}, delete the file and start again.");
                if (IsRunning(holder))
                    throw new IOException($"{dir} is in use by another training: {holder} (lock file {path}). " +
                        "Wait for it to finish or stop it, or give this training another output folder (--out).");
                warnings?.WriteLine($"warning: {path} was left by {holder}, which is no longer running; taking the folder over.");
                File.Move(tmp, path, overwrite: true);
                if (JsonSerializer.Deserialize<Owner>(File.ReadAllText(path))?.Token == me.Token) return new RunLock(path, me.Token);
                File.WriteAllText(tmp, JsonSerializer.Serialize(me));  // another process took it over at the same moment: look again
            }
            throw new IOException($"{dir}: could not take the training lock {path} (several processes are starting there at once); start one training per folder.");
        }
        finally
        {
            if (File.Exists(tmp)) File.Delete(tmp);
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

    /// <summary>Removes the lock if it is still this one's.</summary>
    public void Dispose()
    {
        if (_released) return;
        _released = true;
        try
        {
            if (JsonSerializer.Deserialize<Owner>(File.ReadAllText(Path))?.Token == _token) File.Delete(Path);
        }
        catch (Exception e) when (e is IOException or JsonException)
        {
        }
    }
}
