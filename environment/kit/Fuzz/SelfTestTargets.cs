using System.Runtime.InteropServices;

namespace DistillKit.Cli.Fuzz;

/// <summary>
/// Readers that misbehave on purpose, so that tests/Fuzz can prove the fuzz harness sees it: <c>crash-selftest</c> dies
/// of SIGSEGV as a native decoder with a memory bug would, <c>memory-selftest</c> touches 256 MiB of native memory on
/// each case as a decoder trusting a declared size would. Not listed among the readers.
/// </summary>
public sealed class SelfTestTarget(string name, Action<string> read) : FuzzTarget
{
    public static IReadOnlyList<FuzzTarget> All { get; } =
    [
        new SelfTestTarget("crash-selftest", _ => memset(16, 0, 16)), // a write through a bad pointer inside native code
        new SelfTestTarget("memory-selftest", _ => TouchNative(256 << 20)),
    ];

    public override string Name => name;

    public override IReadOnlyList<ReaderCall> Readers { get; } = [new(name, read)];

    public override IReadOnlyList<string> WriteSeeds(string dir) => [];

    public override FuzzCase Make(string dir, int index, Random rng)
    {
        var path = Path.Combine(dir, "input.bin");
        File.WriteAllBytes(path, [0]);
        return new FuzzCase(path, "a reader that misbehaves on purpose", false, m => m.Contains(path));
    }

    static void TouchNative(int bytes)
    {
        var p = Marshal.AllocHGlobal(bytes);
        try
        {
            for (int i = 0; i < bytes; i += 4096) Marshal.WriteByte(p, i, 1);
        }
        finally { Marshal.FreeHGlobal(p); }
    }

    [DllImport("libc")]
    static extern nint memset(nint destination, int value, nuint count);
}
