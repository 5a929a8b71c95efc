using DistillKit.Viz;
using DistillKit.Viz.Display;
using DistillKit.Viz.Plots;
using System.Diagnostics;
using System.Text.Json.Nodes;
using DistillKit.Cli.Notebooks;
using DistillKit.Tests.Support;
using Xunit;
using static DistillKit.Tests.Notebooks.NotebookTestKit;

namespace DistillKit.Tests.Notebooks;

/// <summary>
/// A fact that needs Jupyter with the .NET Interactive kernel (environment/setup-jupyter.sh installs the tool and
/// registers <c>.net-csharp</c>); skipped, with the reason, only where one of them is missing.
/// </summary>
public sealed class JupyterFactAttribute : FactAttribute
{
    public const string NbConvert = "/usr/bin/jupyter-nbconvert";
    public static readonly string Tool = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".dotnet", "tools", "dotnet-interactive");

    static readonly Lazy<string?> Missing = new(() =>
    {
        if (!File.Exists(NbConvert)) return $"{NbConvert} is missing (Debian: apt-get install jupyter-nbconvert python3-nbclient)";
        if (!File.Exists(Tool)) return $"{Tool} is missing (run environment/setup-jupyter.sh: installs Microsoft.dotnet-interactive)";
        var (code, output) = Exec("/usr/bin/jupyter", ["kernelspec", "list"], Path.GetTempPath(), TimeSpan.FromMinutes(1));
        return code == 0 && output.Contains(".net-csharp") ? null : "Jupyter has no .net-csharp kernel (run environment/setup-jupyter.sh): " + output.Trim();
    });

    public JupyterFactAttribute()
    {
        if (Missing.Value is { } reason) Skip = reason;
    }

    /// <summary>Runs a program; returns its exit code and its stdout and stderr together.</summary>
    public static (int ExitCode, string Output) Exec(string file, IEnumerable<string> args, string workingDirectory, TimeSpan timeout)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = workingDirectory };
        foreach (var a in args) info.ArgumentList.Add(a);
        info.Environment["PATH"] = Environment.GetEnvironmentVariable("PATH") + Path.PathSeparator + Path.GetDirectoryName(Tool);
        info.Environment["DOTNET_INTERACTIVE_CLI_TELEMETRY_OPTOUT"] = "1";
        using var p = Process.Start(info)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeout))
        {
            p.Kill(entireProcessTree: true);
            return (-1, $"{file} timed out after {timeout}\n{stdout.Result}{stderr.Result}");
        }
        return (p.ExitCode, stdout.Result + stderr.Result);
    }
}

/// <summary>The tour executes in Jupyter itself (<c>jupyter nbconvert --execute</c> on the <c>.net-csharp</c> kernel).</summary>
public sealed class JupyterNbconvertTests
{
    [JupyterFact]
    public void TourExecutesInJupyterWithChartsAndImages()
    {
        var dir = TempDir("jupyter");
        var notebook = NotebookDocument.Load(Path.Combine(ReferenceScripts.RepoRoot, "notebooks", "00-tour.ipynb"));
        NotebookParameters.Inject(notebook, new Dictionary<string, string> { ["preset"] = "smoke", ["outDir"] = Path.Combine(dir, "run") }, "00-tour");
        var lib = typeof(DistillKit.Viz.Display.ImageView).Assembly.Location; // this build's Lib.dll, natives beside it
        var reference = notebook.Cells.Single(c => c.Source.Contains("#r \"../build/kit/Lib.dll\""));
        reference.Source = reference.Source.Replace("../build/kit/Lib.dll", lib);
        notebook.Save(Path.Combine(dir, "tour.ipynb"));

        var clock = Stopwatch.StartNew();
        var (code, output) = JupyterFactAttribute.Exec(JupyterFactAttribute.NbConvert,
            ["--to", "notebook", "--execute", "--ExecutePreprocessor.kernel_name=.net-csharp", "--ExecutePreprocessor.timeout=600",
             "--output", "executed.ipynb", "tour.ipynb"], dir, TimeSpan.FromMinutes(15));
        Assert.True(code == 0, $"nbconvert failed ({code}) after {clock.Elapsed.TotalSeconds:0} s:\n{output}");

        var executed = Path.Combine(dir, "executed.ipynb");
        var (valid, messages) = ValidateWithNbformat(executed);
        Assert.True(valid == 0, messages);
        var outputs = JsonNode.Parse(File.ReadAllText(executed))!["cells"]!.AsArray()
            .SelectMany(c => c!["outputs"]?.AsArray() ?? []).Select(o => o!.AsObject()).ToList();
        Assert.DoesNotContain(outputs, o => (string?)o["output_type"] == "error");
        var data = outputs.Where(o => o["data"] is JsonObject).SelectMany(o => o["data"]!.AsObject()).ToList();
        Assert.Contains(data, kv => kv.Key == "text/html" && Text(kv.Value).Contains(HtmlReport.PlotlyCall));
        Assert.Contains(data, kv => kv.Key == "image/png");
        Assert.Contains(data, kv => kv.Key == "text/html" && Text(kv.Value).Contains("<table class=\"dk-results\""));
        Assert.True(File.Exists(Path.Combine(dir, "run", "tiny.safetensors")), "the tour's last cell writes its checkpoint into outDir");
        // the live loss curve reached Jupyter's output through update_display_data: it holds every held-out point
        var curve = data.Select(kv => Text(kv.Value)).Single(html => html.Contains("tiny flow network") && html.Contains(HtmlReport.PlotlyCall));
        var figure = System.Text.Json.JsonDocument.Parse(System.Text.RegularExpressions.Regex.Match(curve, @"figure = (\{.*\});").Groups[1].Value).RootElement;
        var heldOut = figure.GetProperty("data").EnumerateArray().Single(t => t.GetProperty("name").GetString() == "held-out");
        Assert.Equal(1 + 150 / 25, heldOut.GetProperty("y").GetArrayLength());   // step 0, then every 25 of the smoke preset's 150
    }
}
