using System.Diagnostics;
using System.Text.Json;
using DistillKit.Runtime;
using DistillKit.Tests.Support;
using DistillKit.Training;
using Xunit;
using Xunit.Abstractions;

namespace DistillKit.Tests.Training;

/// <summary>
/// <see cref="RunLock"/> between processes that start at the same moment: six <c>kit hold-lock</c> children, warmed up,
/// are given their cue within a millisecond of each other; exactly one may take the folder and the others must refuse,
/// naming it. Raced once on a free folder and once on a stale lock of a dead process (the take-over is where a
/// check-then-replace lock lets two processes through). A lock whose holder is killed is taken over.
/// </summary>
[Collection(TrainingChildren.Name)]
public class RunLockRaceTests(ITestOutputHelper output)
{
    const int Racers = 6;

    static int DeadPid()
    {
        using var p = Process.Start("/bin/true")!;
        p.WaitForExit();
        return p.Id;
    }

    static void WriteStaleLock(string dir, int pid) =>
        File.WriteAllText(Path.Combine(dir, RunLock.FileName), JsonSerializer.Serialize(
            new RunLock.Owner(pid, Environment.MachineName, DateTime.UtcNow.AddHours(-1), 12345, "kit train stage1", "0123456789abcdef")));

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void OfSixProcessesStartingAtOnceExactlyOneTakesTheFolderAndTheOthersNameIt(bool staleLockThere)
    {
        using var dir = new TempFolder();
        int dead = DeadPid();
        if (staleLockThere) WriteStaleLock(dir.Path, dead);
        var racers = Enumerable.Range(0, Racers).Select(_ => new KitProcess($"hold-lock \"{dir.Path}\"")).ToList();
        try
        {
            foreach (var r in racers) r.WaitFor(l => l == "ready", "ready");
            foreach (var r in racers) r.Send("go");
            var holding = racers.Where(r => r.WaitForOrExit(l => l.StartsWith("holding ")) is not null).ToList();
            Assert.True(holding.Count == 1, $"{holding.Count} processes took the folder:\n" + string.Join("\n---\n", racers.Select(r => r.Output)));
            var winner = holding[0];
            foreach (var loser in racers.Where(r => r != winner))
            {
                Assert.Equal(1, loser.Wait());
                Assert.Contains($"{dir.Path} is in use by another training: PID {winner.Pid} on host {Environment.MachineName}", loser.Output);
                Assert.DoesNotContain("taking the folder over", loser.Output);
            }
            if (staleLockThere) Assert.Contains($"was left by PID {dead} on host {Environment.MachineName}", winner.Output);
            var held = System.Text.Encoding.UTF8.GetString(PosixFiles.ReadAll(Path.Combine(dir.Path, RunLock.FileName))!);  // .NET's own read would meet the flock
            Assert.Contains($"\"pid\":{winner.Pid},", held);
            winner.Send("release");
            Assert.Equal(0, winner.Wait());
            output.WriteLine($"{(staleLockThere ? "stale lock" : "free folder")}: PID {winner.Pid} took it; the others said:\n" +
                racers.First(r => r != winner).Output.Split('\n').Last());
        }
        finally
        {
            foreach (var r in racers) r.Dispose();
        }
        Assert.Empty(Directory.GetFileSystemEntries(dir.Path));  // the lock and every temporary file gone
    }

    [Fact]
    public void TheLockOfAKilledHolderIsTakenOverNamingIt()
    {
        using var dir = new TempFolder();
        int killed;
        using (var holder = new KitProcess($"hold-lock \"{dir.Path}\""))
        {
            holder.WaitFor(l => l == "ready", "ready");
            holder.Send("go");
            holder.WaitFor(l => l.StartsWith("holding "), "holding");
            killed = holder.Pid;
            holder.Kill();
        }
        Assert.True(File.Exists(Path.Combine(dir.Path, RunLock.FileName)), "SIGKILL leaves the lock file behind");
        var warnings = new StringWriter();
        using (RunLock.Acquire(dir.Path, warnings))
            Assert.Contains($"was left by PID {killed} on host {Environment.MachineName}", warnings.ToString());
        Assert.Contains("no longer running; taking the folder over", warnings.ToString());
        Assert.False(File.Exists(Path.Combine(dir.Path, RunLock.FileName)));
    }
}
