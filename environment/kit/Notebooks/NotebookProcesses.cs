using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace DistillKit.Cli.Notebooks;

/// <summary>
/// <c>run-all</c> with each notebook in its own child process (<c>kit notebook run FILE --result FILE</c>):
/// <list type="bullet">
/// <item>a notebook that crashes the process, or times out with its runaway cell still running, ends only its own
/// process; the notebooks after it still run, and it is reported (cell, error, partial outputs in its HTML);</item>
/// <item>up to <see cref="RunOptions.Jobs"/> notebooks run at once, each with <c>cores / jobs</c> LibTorch threads
/// (<c>OMP_NUM_THREADS</c>). Small CPU trainings scale poorly from one thread to two, so two one-thread notebooks side
/// by side finish sooner than the same two one after the other with two threads each.</item>
/// </list>
/// A notebook starts after the notebooks named in its metadata <c>"distillkit": {"after": ["05-pmd", …]}</c> have
/// ended (those of the same run; a failed one counts as ended: the later notebook trains what it misses itself), else
/// in file-name order. The child's output lines are relayed to <see cref="RunOptions.Progress"/> as they come.
/// </summary>
public static class NotebookProcesses
{
    /// <summary>The metadata key of a notebook's run-order hints.</summary>
    public const string MetadataKey = "distillkit";

    /// <summary>The kit command that runs a child (the running <c>kit</c>: its apphost, or <c>dotnet kit.dll</c>).</summary>
    public static IReadOnlyList<string> CurrentKit()
    {
        var process = Environment.ProcessPath ?? throw new InvalidOperationException("the kit's own executable path is unknown, so notebooks cannot run in child processes");
        var entry = System.Reflection.Assembly.GetEntryAssembly()?.Location;
        return Path.GetFileNameWithoutExtension(process) == "dotnet" && entry is { Length: > 0 } ? [process, entry] : [process];
    }

    /// <summary>The notebooks named in <paramref name="notebookPath"/>'s metadata <c>distillkit.after</c> (none when absent).</summary>
    public static IReadOnlyList<string> After(string notebookPath)
    {
        var doc = NotebookDocument.Load(notebookPath);
        if (doc.Root["metadata"]?[MetadataKey]?["after"] is not JsonNode after) return [];
        if (after is not JsonArray names || names.Any(n => n is not JsonValue v || !v.TryGetValue<string>(out _)))
            throw new InvalidDataException($"{notebookPath}: metadata {MetadataKey}.after must be a list of notebook names (without .ipynb), e.g. [\"05-pmd\"]");
        return names.Select(n => n!.GetValue<string>()).ToList();
    }

    public static async Task<RunAllResult> RunAllAsync(IReadOnlyList<string> files, RunOptions options, IReadOnlyList<string> kit)
    {
        if (options.Jobs < 1) throw new ArgumentException($"--jobs must be at least 1, got {options.Jobs}");
        var clock = Stopwatch.StartNew();
        var outDir = Path.GetFullPath(options.OutDir);
        Directory.CreateDirectory(outDir);
        int threads = Math.Max(1, Environment.ProcessorCount / options.Jobs);
        var names = files.Select(f => Path.GetFileNameWithoutExtension(f)).ToList();
        var after = files.ToDictionary(f => Path.GetFileNameWithoutExtension(f), f => After(f).Where(names.Contains).ToList());
        var pending = new List<string>(files);
        var running = new Dictionary<Task<RunResult>, string>();
        var results = new Dictionary<string, RunResult>();
        if (options.Jobs > 1)
            options.Progress?.WriteLine($"notebooks: {files.Count}, {options.Jobs} at a time in child processes with {threads} LibTorch thread(s) each");
        while (pending.Count > 0 || running.Count > 0)
        {
            while (running.Count < options.Jobs && pending.Count > 0)
            {
                bool Ready(string f) => after[Path.GetFileNameWithoutExtension(f)].All(results.ContainsKey);
                var next = pending.FirstOrDefault(Ready) ?? (running.Count == 0 ? pending[0] : null); // a cycle in "after": file-name order
                if (next is null) break;
                pending.Remove(next);
                running[RunChildAsync(next, options, kit, threads, outDir)] = next;
            }
            var done = await Task.WhenAny(running.Keys);
            running.Remove(done);
            var result = await done;
            results[result.Name] = result;
        }
        var ordered = names.Select(n => results[n]).ToList();
        var index = Path.Combine(outDir, "index.html");
        File.WriteAllText(index, HtmlReport.Index(ordered, [], clock.Elapsed, options.Jobs));
        return new RunAllResult(ordered, [], index);
    }

    static async Task<RunResult> RunChildAsync(string file, RunOptions options, IReadOnlyList<string> kit, int threads, string outDir)
    {
        var name = Path.GetFileNameWithoutExtension(file);
        var resultFile = Path.Combine(outDir, $".{name}.result.json");
        File.Delete(resultFile);
        var psi = new ProcessStartInfo(kit[0]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in kit.Skip(1)) psi.ArgumentList.Add(a);
        foreach (var a in new[] { "notebook", "run", Path.GetFullPath(file), "--out", outDir, "--result", resultFile }) psi.ArgumentList.Add(a);
        foreach (var (k, v) in options.Parameters) { psi.ArgumentList.Add("--param"); psi.ArgumentList.Add($"{k}={v}"); }
        if (options.CellTimeout is { } t) { psi.ArgumentList.Add("--timeout"); psi.ArgumentList.Add(t.TotalSeconds.ToString(CultureInfo.InvariantCulture)); }
        psi.Environment["OMP_NUM_THREADS"] = threads.ToString(CultureInfo.InvariantCulture);
        var clock = Stopwatch.StartNew();
        var tail = new Queue<string>();
        void Relay(string? line)
        {
            if (line is null) return;
            lock (tail)
            {
                options.Progress?.WriteLine(line);
                if (line.StartsWith("   at ", StringComparison.Ordinal)) return; // stack frames: the lines before them say what happened
                tail.Enqueue(line);
                if (tail.Count > 8) tail.Dequeue();
            }
        }
        using var process = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {string.Join(' ', kit)} for notebook {name}");
        process.OutputDataReceived += (_, e) => Relay(e.Data);
        process.ErrorDataReceived += (_, e) => Relay(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        await process.WaitForExitAsync();
        if (ReadResult(resultFile) is { } result) return result;
        string lastLines;
        lock (tail) lastLines = string.Join("\n", tail);
        var message = $"notebook {name}: its process ended with exit code {process.ExitCode} before it could report (a native crash or a kill?); its last output:\n{lastLines}";
        var crashed = new RunResult(name, RunStatus.Failed, null, message, Path.Combine(outDir, name + ".ipynb"), Path.Combine(outDir, name + ".html"), clock.Elapsed, []);
        // the child saved the notebook after each cell: the page shows the outputs of the cells that finished
        var executed = File.Exists(crashed.NotebookPath) ? crashed.NotebookPath : file;
        try
        {
            NotebookRunner.Write(NotebookDocument.Load(executed), crashed, options, Path.GetDirectoryName(Path.GetFullPath(file))!);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            options.Progress?.WriteLine($"notebook {name}: could not write its page after the crash: {e.Message}");
        }
        return crashed;
    }

    /// <summary>Writes what <see cref="RunAllAsync"/> reads back from a child (written to a temporary name, then renamed).</summary>
    public static void WriteResult(RunResult r, string path)
    {
        File.WriteAllText(path + ".tmp", JsonSerializer.Serialize(r));
        File.Move(path + ".tmp", path, overwrite: true);
    }

    /// <summary>A child's result, or null when it wrote none (it died first); the file is removed.</summary>
    static RunResult? ReadResult(string path)
    {
        if (!File.Exists(path)) return null;
        try
        {
            return JsonSerializer.Deserialize<RunResult>(File.ReadAllText(path));
        }
        catch (JsonException)
        {
            return null;
        }
        finally
        {
            File.Delete(path);
        }
    }
}
