using DistillKit.Models.Pwc;
using System.Diagnostics;
using DistillKit.Runtime;
using DistillKit.Tests.Support;
using TorchSharp;
using Xunit;

namespace DistillKit.Tests.Runtime;

/// <summary>TorchSharp loads in a fresh process (repaired on old libstdc++), with the kit's allocator settings.</summary>
public class TorchRuntimeTests
{
    static (int rc, string output) RunKit(string args, Dictionary<string, string>? env = null)
    {
        var psi = new ProcessStartInfo("dotnet", $"\"{Path.Combine(AppContext.BaseDirectory, "kit.dll")}\" {args}")
        {
            RedirectStandardOutput = true, RedirectStandardError = true,
        };
        foreach (var (k, v) in env ?? new()) psi.Environment[k] = v;
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        var output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, output + err.Result);
    }

    static bool SystemLibstdcxxHas332()
    {
        foreach (var dir in new[] { "/usr/lib/x86_64-linux-gnu", "/lib/x86_64-linux-gnu", "/usr/lib64" })
        {
            var f = Path.Combine(dir, "libstdc++.so.6");
            if (File.Exists(f)) return File.ReadAllText(f, System.Text.Encoding.Latin1).Contains("GLIBCXX_3.4.32");
        }
        return false;
    }

    static string Readelf(string args, string file)
    {
        var psi = new ProcessStartInfo("readelf", $"{args} \"{file}\"") { RedirectStandardOutput = true };
        using var p = Process.Start(psi)!;
        var s = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return s;
    }

    [Fact]
    public void AFreshProcessLoadsTorchSharpAndRunsAnOp()
    {
        var (rc, output) = RunKit("info");
        Assert.True(rc == 0, output);
        Assert.Contains("LibTorch 2.10", output);
        Assert.Contains("op check: 2×2 matmul trace 13 (ok)", output);
        Assert.Contains("glibc allocator tuning: on", output);
    }

    [Fact]
    public void AllocatorTuningIsOnInProcessAndSwitchesOff()
    {
        Assert.True(TorchRuntime.MallocTuned);
        var (rc, output) = RunKit("info", new() { ["DISTILLKIT_MALLOC_TUNING"] = "0" });
        Assert.True(rc == 0, output);
        Assert.Contains("glibc allocator tuning: off", output);
    }

    [Fact]
    public void TheBuildOutputCopyIsRepairedExactlyWhereTheSystemNeedsIt()
    {
        var lib = Path.Combine(AppContext.BaseDirectory, "libLibTorchSharp.so");
        Assert.True(File.Exists(lib), lib);
        bool repaired = Readelf("-d", lib).Contains("libdkstdcompat.so");
        Assert.Equal(!SystemLibstdcxxHas332(), repaired);
        if (repaired)
        {
            Assert.Contains("Name: GLIBCXX_3.4.32  Flags: WEAK", Readelf("-V", lib));
            Assert.True(File.Exists(Path.Combine(AppContext.BaseDirectory, "libdkstdcompat.so")));
        }
        // the tensors of this very test host come from that copy
        Assert.Equal(AppContext.BaseDirectory.TrimEnd('/'), TorchRuntime.LibraryFolder.TrimEnd('/'));
        Assert.Null(TorchRuntime.NativeLoadError);
        using var t = torch.ones(3);
        Assert.Equal(3.0, t.sum().ToDouble());
    }

    [Fact]
    public void TheRepairScriptIsIdempotentAndLeavesTheSourceAlone()
    {
        if (SystemLibstdcxxHas332()) return; // nothing to repair on this system: covered by the test above
        var nuget = Environment.GetEnvironmentVariable("NUGET_PACKAGES") ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        var source = Path.Combine(nuget, "torchsharp", "0.107.0", "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
        Assert.True(File.Exists(source), source);
        var before = File.ReadAllBytes(source);
        var dir = Directory.CreateTempSubdirectory("dk-repair-").FullName;
        File.Copy(source, Path.Combine(dir, "libLibTorchSharp.so"));
        string Repair()
        {
            var psi = new ProcessStartInfo("bash", $"\"{Path.Combine(ReferenceScripts.RepoRoot, "environment", "repair-torchsharp.sh")}\" \"{dir}\"")
            { RedirectStandardOutput = true, RedirectStandardError = true };
            using var p = Process.Start(psi)!;
            var o = p.StandardOutput.ReadToEnd() + p.StandardError.ReadToEnd();
            p.WaitForExit();
            Assert.True(p.ExitCode == 0, o);
            return o;
        }
        var first = Repair();
        Assert.Single(first.Trim().Split('\n'));
        Assert.Contains("repaired", first);
        Assert.Equal("", Repair().Trim());
        Assert.Contains("libdkstdcompat.so", Readelf("-d", Path.Combine(dir, "libLibTorchSharp.so")));
        Assert.Equal(before, File.ReadAllBytes(source));
        Directory.Delete(dir, true);
    }
}

/// <summary>A fact that runs only where TorchSharp sees a CUDA device; elsewhere xunit reports it skipped.</summary>
public sealed class CudaFactAttribute : FactAttribute
{
    public CudaFactAttribute()
    {
        if (!torch.cuda.is_available()) Skip = "CUDA not available (TorchSharp-cpu build or no GPU; build with DISTILLKIT_TORCH=cuda on a GPU machine)";
    }
}

public class CudaTests
{
    [CudaFact]
    public void PwcNetRunsOnTheGpuAndAgreesWithTheCpu()
    {
        torch.manual_seed(0);
        using var net = new DistillKit.Models.Pwc.PwcNet(DistillKit.Models.Pwc.PwcNetConfig.Smoke);
        net.eval();
        using var scope = torch.NewDisposeScope();
        var a = torch.rand(1, 3, 32, 48);
        var b = torch.rand(1, 3, 32, 48);
        using var noGrad = torch.no_grad();
        var cpu = net.forward(a, b);
        net.to(torch.CUDA);
        var gpu = net.forward(a.cuda(), b.cuda()).cpu();
        Assert.True(cpu.sub(gpu).abs().max().ToDouble() < 1e-3);
    }
}

public class NativeErrorTests
{
    [Fact]
    public void ALibTorchErrorIsADotNetExceptionWithTheShapes()
    {
        using var a = torch.ones(3, 4);
        using var b = torch.ones(5, 2);
        var e = Assert.ThrowsAny<System.Runtime.InteropServices.ExternalException>(() => a.mm(b));
        Assert.Contains("3x4", e.Message);
        Assert.Contains("5x2", e.Message);
        using var c = torch.ones(2); // the process and the engine go on
        Assert.Equal(2.0, c.sum().ToDouble());
    }
}
