using System.Diagnostics;
using System.Text.RegularExpressions;
using Xunit;
using Xunit.Abstractions;

namespace DistillKit.Tests.Fuzz;

/// <summary>
/// Every file reader of the kit fed seeded corruptions (environment/kit/Fuzz, <c>./kit fuzz READER</c>) in a child
/// process, so that a native crash, a stack overflow or an out-of-memory kill fails the test instead of killing the
/// test host. The child exits 0 only when every case gave a .NET exception naming the input (or read an input that may
/// still be valid), every crafted case was refused by the guard it proves, and no case was slow or raised the resident
/// memory by more than 512 MiB. Managed allocations are capped at 1.5 GiB (DOTNET_GCHeapHardLimit), so an unbounded one
/// shows as an OutOfMemoryException, a defect. One class: the children run one at a time.
/// </summary>
public class ReaderFuzzTests(ITestOutputHelper output)
{
    const int Seed = 20261, Cases = 200;
    static readonly TimeSpan Patience = TimeSpan.FromMinutes(4);

    /// <summary>Runs <c>kit fuzz ARGS</c>; (exit code, stdout and stderr).</summary>
    static (int Code, string Output) Fuzz(params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "kit.dll"));
        psi.ArgumentList.Add("fuzz");
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["DOTNET_GCHeapHardLimit"] = "0x60000000";
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(Patience))
        {
            p.Kill(entireProcessTree: true);
            p.WaitForExit();
            return (-1, $"kit fuzz {string.Join(" ", args)} did not finish within {Patience.TotalMinutes} min (a hang?)\n{stdout.Result}{stderr.Result}");
        }
        p.WaitForExit();
        return (p.ExitCode, stdout.Result + stderr.Result);
    }

    /// <summary>What an exit code of <c>kit fuzz</c> means (.NET reports death by signal N as 128 + N).</summary>
    static string Describe(int code) => code switch
    {
        0 => "no defect",
        1 => "defects found (the DEFECT lines above)",
        3 => "the fuzz target is broken (a valid seed did not read, or a case could not be built)",
        -1 => "timed out",
        > 128 => $"the fuzz process was killed by signal {code - 128} ({(code - 128) switch { 6 => "SIGABRT: abort, stack overflow or fail-fast", 7 => "SIGBUS", 8 => "SIGFPE", 9 => "SIGKILL: out of memory?", 11 => "SIGSEGV: a native crash", _ => "?" }})",
        _ => $"exit code {code}",
    };

    static string Tail(string text, int lines = 40) => string.Join("\n", text.Split('\n').TakeLast(lines));

    [Theory]
    [InlineData("png", 1)]
    [InlineData("jpeg", 3)]
    [InlineData("ppm", 2)]
    [InlineData("flo", 3)]
    [InlineData("kitti-flow-png", 2)]
    [InlineData("safetensors", 7)]
    [InlineData("pth", 5)]
    [InlineData("dat", 2)]
    [InlineData("onnx", 4)]
    [InlineData("ipynb", 5)]
    [InlineData("sintel", 0)]
    [InlineData("kitti", 0)]
    [InlineData("kitti-multiview", 0)]
    [InlineData("flyingchairs", 0)]
    [InlineData("chairs-split", 0)]
    [InlineData("pf-pascal-csv", 4)]
    [InlineData("pf-willow-csv", 3)]
    [InlineData("spair-json", 5)]
    [InlineData("tss", 0)]
    public void EveryCorruptionGivesADotNetExceptionNamingTheFile(string reader, int guards)
    {
        var (code, text) = Fuzz(reader, "--seed", $"{Seed}", "--count", $"{Cases}"); // each case printed: a crash names its case
        var summary = text.Split('\n').LastOrDefault(l => l.StartsWith($"fuzz {reader}:")) ?? "";
        output.WriteLine(summary);
        Assert.True(code == 0, $"kit fuzz {reader}: {Describe(code)}\n{Tail(text)}");
        var m = Regex.Match(summary, $@"^fuzz {Regex.Escape(reader)}: {Cases} cases \(.*; (\d+) prove a guard\) .*: (\d+) named errors, \d+ read OK, (\d+) read OK by some readers only, 0 defects");
        Assert.True(m.Success, $"unexpected summary: {summary}");
        Assert.Equal(guards, int.Parse(m.Groups[1].Value)); // the crafted cases ran, each refused by its guard
        int refused = int.Parse(m.Groups[2].Value) + int.Parse(m.Groups[3].Value); // cases some reader refused
        Assert.True(refused >= Cases / 10, $"too few corruptions made a reader fail, the fuzz is not biting: {summary}");
    }

    [Fact]
    public void AFuzzedReaderThatCrashesIsSeenAsAFailure()
    {
        var (code, text) = Fuzz("crash-selftest", "--count", "1");
        Assert.Equal(128 + 11, code);
        Assert.Contains("SIGSEGV", Describe(code));
        Assert.Contains("crash-selftest #0", text); // the case that killed it is the last line printed
    }

    [Fact]
    public void AFuzzedReaderThatTouchesTooMuchMemoryIsADefect()
    {
        var (code, text) = Fuzz("memory-selftest", "--count", "2", "--max-mb", "64");
        Assert.Equal(1, code);
        Assert.Equal(2, Regex.Matches(text, @"DEFECT: raised the resident memory by 25\d MiB \(limit 64 MiB\)").Count);
    }
}
