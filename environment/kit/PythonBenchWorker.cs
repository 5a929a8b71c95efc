using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;

namespace DistillKit.Cli;

/// <summary>
/// A script of environment/bench kept running as a worker (Debian's Python with the kit's allocator settings): it
/// prints one JSON line when ready (versions), then answers every block size N written to its stdin with one JSON line;
/// an empty line ends it. Both sides of a benchmark stay warm and can take turns in short blocks.
/// </summary>
sealed class PythonBenchWorker : IDisposable
{
    readonly Process _process;
    readonly string _script;
    readonly StringBuilder _stderr = new();

    /// <summary>The worker's first line: its torch and Python versions and thread count.</summary>
    public JsonObject Versions { get; }

    public PythonBenchWorker(string script, params object[] args)
    {
        _script = script;
        var psi = new ProcessStartInfo("/usr/bin/python3")
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true,
        };
        psi.ArgumentList.Add(Path.Combine(Repo.Root, "environment", "bench", script));
        foreach (var a in args) psi.ArgumentList.Add(Convert.ToString(a, System.Globalization.CultureInfo.InvariantCulture)!);
        if (Runtime.TorchRuntime.MallocTuned)
            foreach (var (k, v) in Runtime.MallocTuning.EnvironmentVariables) psi.Environment[k] = v;
        _process = Process.Start(psi) ?? throw new InvalidOperationException("cannot start /usr/bin/python3 (install python3-torch: environment/setup.sh)");
        _process.ErrorDataReceived += (_, e) => { if (e.Data != null) lock (_stderr) _stderr.AppendLine(e.Data); };
        _process.BeginErrorReadLine();
        Versions = ReadReply();
    }

    /// <summary>Asks for a block of <paramref name="n"/> runs; the worker's reply.</summary>
    public JsonObject Block(int n)
    {
        _process.StandardInput.WriteLine(n);
        _process.StandardInput.Flush();
        return ReadReply();
    }

    JsonObject ReadReply()
    {
        var line = _process.StandardOutput.ReadLine();
        if (line is null)
        {
            _process.WaitForExit();
            lock (_stderr)
                throw new InvalidOperationException($"{_script} stopped (exit {_process.ExitCode}): {_stderr}");
        }
        return JsonNode.Parse(line)!.AsObject();
    }

    public void Dispose()
    {
        try { _process.StandardInput.WriteLine(); _process.StandardInput.Close(); _process.WaitForExit(10_000); }
        catch (IOException) { }
        if (!_process.HasExited) _process.Kill();
        _process.Dispose();
    }
}
