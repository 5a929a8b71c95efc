using System.Collections.Concurrent;
using System.Diagnostics;

namespace DistillKit.Tests.Support;

/// <summary>
/// A <c>kit</c> command running in a child process (the build's kit.dll under <c>dotnet</c>), its output lines (standard
/// output and error together) collected as they come, its standard input open for cues (<see cref="Send"/>).
/// Optionally under a file-size limit (<c>ulimit -f</c>, in KiB) or behind a launcher such as <c>setpriv</c>.
/// </summary>
internal sealed class KitProcess : IDisposable
{
    /// <summary>How long a wait lasts before the test fails.</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromMinutes(3);

    readonly Process _p;
    readonly BlockingCollection<string> _lines = new();
    readonly ConcurrentQueue<string> _all = new();

    public KitProcess(string args, IReadOnlyDictionary<string, string>? env = null, string? fileSizeLimitKb = null, IReadOnlyList<string>? launcher = null)
    {
        var kit = $"\"{Path.Combine(AppContext.BaseDirectory, "kit.dll")}\" {args}";
        var dotnet = string.Join(" ", (launcher ?? []).Append("dotnet"));
        var psi = fileSizeLimitKb is null && launcher is null ? new ProcessStartInfo("dotnet", kit)
            : new ProcessStartInfo("bash", ["-c", $"{(fileSizeLimitKb is null ? "" : $"ulimit -f {fileSizeLimitKb}; ")}exec {dotnet} {kit}"]);
        psi.RedirectStandardOutput = psi.RedirectStandardError = psi.RedirectStandardInput = true;
        psi.UseShellExecute = false;
        foreach (var (k, v) in env ?? new Dictionary<string, string>()) psi.Environment[k] = v;
        _p = Process.Start(psi)!;
        _p.OutputDataReceived += (_, e) => Add(e.Data);
        _p.ErrorDataReceived += (_, e) => Add(e.Data);
        _p.BeginOutputReadLine();
        _p.BeginErrorReadLine();
    }

    void Add(string? line)
    {
        if (line is null) return;
        _all.Enqueue(line);
        _lines.Add(line);
    }

    public int Pid => _p.Id;
    public string Output => string.Join("\n", _all);

    /// <summary>Waits for a line that matches; fails when the process ends or <see cref="Patience"/> passes first.</summary>
    public string WaitFor(Func<string, bool> match, string what) =>
        WaitForOrExit(match) ?? throw new Xunit.Sdk.XunitException($"kit never printed {what}; its output:\n{Output}");

    /// <summary>Waits for a line that matches (returned) or the end of the process (null); fails after <see cref="Patience"/>.</summary>
    public string? WaitForOrExit(Func<string, bool> match)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < Patience)
        {
            if (_lines.TryTake(out var line, 100)) { if (match(line)) return line; }
            else if (_p.HasExited)
            {
                _p.WaitForExit();  // all output read
                if (_lines.Count == 0) return null;
            }
        }
        throw new Xunit.Sdk.XunitException($"kit neither printed the expected line nor ended in {Patience}; its output:\n{Output}");
    }

    /// <summary>Writes a line to the process's standard input.</summary>
    public void Send(string line)
    {
        _p.StandardInput.WriteLine(line);
        _p.StandardInput.Flush();
    }

    /// <summary>SIGKILL: no clean-up, no flush, the lock file left behind.</summary>
    public void Kill()
    {
        _p.Kill(entireProcessTree: true);
        _p.WaitForExit();
    }

    /// <summary>Waits for the end (killing the process after <see cref="Patience"/>); the exit status.</summary>
    public int Wait()
    {
        if (!_p.WaitForExit(Patience)) Kill();
        _p.WaitForExit();
        return _p.ExitCode;
    }

    public void Dispose()
    {
        if (!_p.HasExited) Kill();
        _p.Dispose();
    }
}
