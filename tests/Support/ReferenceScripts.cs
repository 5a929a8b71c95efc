using System.Diagnostics;
using System.Security.Cryptography;

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
    /// Returns build/golden/NAME, generating it with tests/reference/SCRIPT when absent or written by another version
    /// of the script (its SHA-256 is stamped in the folder). The script writes into a temporary folder that is then
    /// renamed, so concurrent runs never see a half-written folder.
    /// </summary>
    public static string Golden(string name, string script)
    {
        lock (Gate)
        {
            var root = RepoRoot;
            var scriptPath = Path.Combine(root, "tests", "reference", script);
            var dir = Path.Combine(root, "build", "golden", name);
            var stamp = Path.Combine(dir, ".script.sha256");
            var hash = Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(scriptPath)));
            if (File.Exists(stamp) && File.ReadAllText(stamp).Trim() == hash) return dir;
            var tmp = $"{dir}.tmp-{Environment.ProcessId}-{Guid.NewGuid():N}";
            Directory.CreateDirectory(tmp);
            Run(scriptPath, tmp);
            File.WriteAllText(Path.Combine(tmp, ".script.sha256"), hash);
            if (Directory.Exists(dir)) Directory.Delete(dir, true);
            try
            {
                Directory.Move(tmp, dir);
            }
            catch (IOException) when (Directory.Exists(dir))
            {
                Directory.Delete(tmp, true); // another test process won the race with the same script
            }
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
