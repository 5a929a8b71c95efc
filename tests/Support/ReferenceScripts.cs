using System.Diagnostics;

namespace DistillKit.Tests.Support;

/// <summary>Runs the checked-in PyTorch reference scripts (tests/reference) with Debian's python3-torch, once per output folder.</summary>
public static class ReferenceScripts
{
    static readonly object Gate = new();

    /// <summary>The repository root (the folder holding Lib.csproj).</summary>
    public static string RepoRoot
    {
        get
        {
            for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
                if (File.Exists(Path.Combine(d.FullName, "Lib.csproj"))) return d.FullName;
            throw new InvalidOperationException("repository root (Lib.csproj) not found above " + AppContext.BaseDirectory);
        }
    }

    /// <summary>
    /// Returns build/golden/NAME, generating it with tests/reference/SCRIPT when absent or older than the script
    /// (written to a temporary folder, then renamed, so concurrent runs never see a half-written folder).
    /// </summary>
    public static string Golden(string name, string script)
    {
        lock (Gate)
        {
            var root = RepoRoot;
            var scriptPath = Path.Combine(root, "tests", "reference", script);
            var dir = Path.Combine(root, "build", "golden", name);
            var stamp = Path.Combine(dir, ".done");
            if (File.Exists(stamp) && File.GetLastWriteTimeUtc(stamp) >= File.GetLastWriteTimeUtc(scriptPath)) return dir;
            var tmp = dir + ".tmp" + Environment.ProcessId;
            if (Directory.Exists(tmp)) Directory.Delete(tmp, true);
            Directory.CreateDirectory(tmp);
            Run(scriptPath, tmp);
            File.WriteAllText(Path.Combine(tmp, ".done"), DateTime.UtcNow.ToString("o"));
            if (Directory.Exists(dir)) Directory.Delete(dir, true);
            Directory.Move(tmp, dir);
            return dir;
        }
    }

    /// <summary>Runs a Python script with Debian's /usr/bin/python3; throws with its stderr when it fails.</summary>
    public static string Run(string scriptPath, params string[] args)
    {
        var psi = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(scriptPath);
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        var output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"{Path.GetFileName(scriptPath)} failed (exit {p.ExitCode}): {err.Result}");
        return output;
    }
}
