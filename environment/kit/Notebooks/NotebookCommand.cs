// Program.cs (namespace DistillKit.Cli) registers NotebookCommand.Run by its simple name.
global using DistillKit.Cli.Notebooks;
using System.Globalization;

namespace DistillKit.Cli.Notebooks;

/// <summary>
/// <c>./kit notebook run FILE.ipynb [--param name=value ...] [--out DIR] [--timeout SECONDS] [--result FILE.json]</c> and
/// <c>./kit notebook run-all [--dir notebooks] [--param ...] [--out DIR] [--timeout SECONDS] [--jobs N]</c>.
/// Cells run with the notebook's folder as current directory; progress goes to stderr. run-all runs each notebook in
/// a child process (<see cref="NotebookProcesses"/>).
/// </summary>
public static class NotebookCommand
{
    const string Usage = """
        usage: ./kit notebook run FILE.ipynb [--param name=value ...] [--out DIR] [--timeout SECONDS] [--result FILE.json]
               ./kit notebook run-all [--dir notebooks] [--param name=value ...] [--out DIR] [--timeout SECONDS] [--jobs N]

        Executes C# notebooks headless and writes OUT/NAME.ipynb (with outputs) and OUT/NAME.html
        (run-all also writes OUT/index.html). OUT defaults to out/notebooks. --param overrides a value of
        the cell tagged 'parameters'. --timeout limits each cell's wall time. run-all runs every notebook
        in its own process, so a crash or a timeout ends only that one; --jobs N runs N at once (default 1),
        each with cores/N threads, a notebook waiting for those its metadata names in distillkit.after.
        --result writes the run's outcome as JSON (what run-all reads back from each process).
        """;

    /// <summary>Runs the command; returns the process exit code: 0 ok, 2 usage; run: 1 when the notebook failed;
    /// run-all: the number of notebooks that failed, timed out or did not run.</summary>
    public static int Run(string[] args)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
        {
            Console.WriteLine(Usage);
            return args.Length == 0 ? 2 : 0;
        }
        var (positional, options, dir, resultFile) = Parse(args[1..]);
        try
        {
            switch (args[0])
            {
                case "run":
                    if (positional.Count != 1) throw new ArgumentException("notebook run takes exactly one FILE.ipynb");
                    if (!File.Exists(positional[0])) throw new FileNotFoundException($"notebook not found: {positional[0]}");
                    var result = NotebookRunner.RunAsync(positional[0], options).GetAwaiter().GetResult();
                    if (resultFile is not null) NotebookProcesses.WriteResult(result, resultFile);
                    if (!result.Succeeded) Console.Error.WriteLine(result.Message);
                    return Exit(result.Status == RunStatus.TimedOut, result.Succeeded ? 0 : 1);
                case "run-all":
                    if (positional.Count != 0) throw new ArgumentException($"notebook run-all takes no file arguments (got {positional[0]}); use --dir");
                    if (resultFile is not null) throw new ArgumentException("--result is for notebook run (one notebook), not run-all");
                    var all = NotebookRunner.RunAllAsync(dir, options with { ChildKit = NotebookProcesses.CurrentKit() }).GetAwaiter().GetResult();
                    foreach (var r in all.Results.Where(r => !r.Succeeded)) Console.Error.WriteLine(r.Message);
                    int passed = all.Results.Count(r => r.Succeeded), total = all.Results.Count + all.NotRun.Count;
                    Console.Error.WriteLine($"notebooks: {passed} of {total} passed{(all.NotRun.Count > 0 ? $", {all.NotRun.Count} not run after a timeout" : "")} -> {all.IndexPath}");
                    int failed = total - passed;
                    return Math.Min(failed, 100); // each notebook ran in its own process: no runaway cell holds this one
                default:
                    throw new ArgumentException($"unknown subcommand '{args[0]}' (run, run-all)");
            }
        }
        catch (InvalidDataException e)
        {
            Console.Error.WriteLine($"kit notebook: {e.Message}");
            return 1;
        }
    }

    /// <summary>After a timeout the runaway cell still runs on some thread and cannot be aborted: end the process.</summary>
    static int Exit(bool timedOut, int code)
    {
        if (!timedOut) return code;
        Console.Out.Flush();
        Console.Error.Flush();
        Environment.Exit(code == 0 ? 1 : code);
        return code;
    }

    static (List<string> Positional, RunOptions Options, string Dir, string? ResultFile) Parse(string[] args)
    {
        var positional = new List<string>();
        var parameters = new Dictionary<string, string>();
        var options = new RunOptions { Progress = Console.Error, EchoCellOutput = true };
        var dir = "notebooks";
        string? resultFile = null;
        for (int i = 0; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--param" or "-p":
                    var pair = Value();
                    int eq = pair.IndexOf('=');
                    if (eq <= 0) throw new ArgumentException($"--param expects name=value, got '{pair}'");
                    parameters[pair[..eq].Trim()] = pair[(eq + 1)..];
                    break;
                case "--out" or "-o": options = options with { OutDir = Value() }; break;
                case "--dir": dir = Value(); break;
                case "--result": resultFile = Path.GetFullPath(Value()); options = options with { SaveEachCell = true }; break;
                case "--jobs":
                    var jobs = Value();
                    if (!int.TryParse(jobs, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) || n < 1)
                        throw new ArgumentException($"--jobs expects a positive whole number, got '{jobs}'");
                    options = options with { Jobs = n };
                    break;
                case "--timeout":
                    var text = Value();
                    if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) || seconds <= 0)
                        throw new ArgumentException($"--timeout expects a positive number of seconds, got '{text}'");
                    options = options with { CellTimeout = TimeSpan.FromSeconds(seconds) };
                    break;
                default:
                    if (args[i].StartsWith("--")) throw new ArgumentException($"unknown option {args[i]}\n{Usage}");
                    positional.Add(args[i]);
                    break;
            }
        }
        return (positional, options with { Parameters = parameters }, dir, resultFile);
    }
}
