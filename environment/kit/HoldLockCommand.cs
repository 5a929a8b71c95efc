using DistillKit.Training;

namespace DistillKit.Cli;

/// <summary>
/// <c>./kit hold-lock DIR</c> (hidden; tests/Training/RunLockRaceTests): takes and releases a lock in a fresh folder of
/// its own (so that what runs after the cue is compiled and loaded already), prints <c>ready</c>, waits for a line on
/// standard input, takes DIR's training lock (<see cref="RunLock.Acquire"/>, warnings on standard error), prints
/// <c>holding PID</c>, waits for another line (or the end of the input) and releases it. Refused: the message on
/// standard error, exit 1.
/// </summary>
public static class HoldLockCommand
{
    public static int Run(string[] args)
    {
        if (args.Length != 1) throw new ArgumentException("usage: kit hold-lock DIR");
        var warmUp = Path.Combine(Path.GetTempPath(), $"dk-hold-lock-{Guid.NewGuid():N}");
        using (RunLock.Acquire(warmUp)) { }
        Directory.Delete(warmUp, recursive: true);
        Console.WriteLine("ready");
        Console.In.ReadLine();
        using (RunLock.Acquire(args[0], Console.Error))
        {
            Console.WriteLine($"holding {Environment.ProcessId}");
            Console.In.ReadLine();
        }
        Console.WriteLine("released");
        return 0;
    }
}
