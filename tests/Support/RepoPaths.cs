using System.Diagnostics;

namespace DistillKit.Tests.Support;

/// <summary>Locations in the source tree, found by walking up from the test binary.</summary>
internal static class RepoPaths
{
    /// <summary>The repository root (<see cref="Support.ReferenceScripts.RepoRoot"/>).</summary>
    public static string Root => Support.ReferenceScripts.RepoRoot;

    public static string Under(params string[] parts) => Path.Combine([Root, .. parts]);

    /// <summary>Runs a program; returns (exit code, stdout + stderr). Kills it after <paramref name="timeoutMs"/>.</summary>
    public static (int Code, string Output) Run(string file, IEnumerable<string> args, int timeoutMs = 60_000)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"cannot start {file}");
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeoutMs))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(" ", args)} did not finish within {timeoutMs} ms");
        }
        return (p.ExitCode, stdout.Result + stderr.Result);
    }
}
