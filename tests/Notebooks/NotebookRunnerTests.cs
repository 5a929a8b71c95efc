using System.Diagnostics;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using DistillKit.Cli.Notebooks;
using Xunit;
using static DistillKit.Tests.Notebooks.NotebookTestKit;

namespace DistillKit.Tests.Notebooks;

/// <summary>
/// Runs one feature-rich notebook once (display, HTML, results, a self-formatting type, markdown, #!time,
/// overridden parameters, a plotly figure) and keeps its executed form for the assertions below.
/// </summary>
public sealed class RichNotebookFixture
{
    public string Dir { get; } = TempDir("rich");
    public RunResult Result { get; }
    public NotebookDocument Executed { get; }
    public string Html { get; }
    public const string Label = "say \"hi\" \\ there";

    public RichNotebookFixture()
    {
        var plotly = Path.Combine(Dir, "fake-plotly.js");
        File.WriteAllText(plotly, "/* plotly stand-in */");
        new NotebookWriter()
            .Markdown("# Rich notebook\n\nSome **bold**, a [link](https://example.org) and <script>alert(1)</script>.")
            .Parameters("var preset = \"full\";\nvar seed = 0;\nvar scale = 1.5;\nvar label = \"none\";\nvar verbose = false;")
            .Code($"#r \"{typeof(Swatch).Assembly.Location}\"\nusing DistillKit.Tests.Notebooks;")
            .Code("display(\"shown\");\nConsole.WriteLine(\"to stdout\");\nConsole.Error.WriteLine(\"to stderr\");")
            .Code("HTML(\"<b>bold html</b>\")")
            .Code("6 * 7")
            .Code("var unused = 1;")
            .Code("new Swatch()")
            .Code("display(new DerivedSwatch());")
            .Code("#!markdown\n## From a magic cell")
            .Code("#!time\nSystem.Threading.Thread.Sleep(30);")
            .Code("$\"{preset}|{seed}|{scale}|{label}|{verbose}\"")
            .Save(Path.Combine(Dir, "rich.ipynb"));
        var parameters = new Dictionary<string, string> { ["preset"] = "smoke", ["seed"] = "7", ["label"] = Label, ["verbose"] = "true" };
        Result = NotebookRunner.RunAsync(Path.Combine(Dir, "rich.ipynb"),
            new RunOptions { OutDir = Path.Combine(Dir, "out"), Parameters = parameters, PlotlyJs = plotly }).GetAwaiter().GetResult();
        Executed = NotebookDocument.Load(Result.NotebookPath);
        Html = File.ReadAllText(Result.HtmlPath);
    }
}

public sealed class NotebookRunnerTests(RichNotebookFixture rich) : IClassFixture<RichNotebookFixture>
{
    [Fact]
    public void RichNotebookSucceedsAndWritesBothFiles()
    {
        Assert.True(rich.Result.Succeeded, rich.Result.Message);
        Assert.Equal(Path.Combine(rich.Dir, "out", "rich.ipynb"), rich.Result.NotebookPath);
        Assert.True(File.Exists(rich.Result.HtmlPath));
    }

    [Fact]
    public void DisplayAndConsoleBecomeDisplayDataAndStreams()
    {
        var cell = Cell(rich.Executed, "display(\"shown\")");
        var display = Assert.Single(Outputs(cell, "display_data"));
        Assert.Equal("shown", Text(display["data"]!["text/plain"]));
        var streams = Outputs(cell, "stream");
        Assert.Contains(streams, s => (string?)s["name"] == "stdout" && Text(s["text"]).Contains("to stdout\n"));
        Assert.Contains(streams, s => (string?)s["name"] == "stderr" && Text(s["text"]).Contains("to stderr\n"));
    }

    [Fact]
    public void HtmlHelperAndReturnValuesBecomeExecuteResults()
    {
        var html = Assert.Single(Outputs(Cell(rich.Executed, "HTML(\"<b>bold html</b>\")"), "execute_result"));
        Assert.Equal("<b>bold html</b>", Text(html["data"]!["text/html"]));

        var cell = Cell(rich.Executed, "6 * 7");
        var result = Assert.Single(Outputs(cell, "execute_result"));
        Assert.Equal("42", Text(result["data"]!["text/plain"]));
        Assert.Equal((int)cell.Json["execution_count"]!, (int)result["execution_count"]!);

        var statement = Cell(rich.Executed, "var unused = 1;");
        Assert.Empty(Outputs(statement));
        Assert.NotNull(statement.Json["execution_count"]);
    }

    [Fact]
    public void TypeFormatterSourceFormatsValuesAndDerivedTypes()
    {
        var data = (JsonObject)Assert.Single(Outputs(Cell(rich.Executed, "new Swatch()"), "execute_result"))["data"]!;
        Assert.Equal(Convert.ToBase64String(Swatch.Png), Text(data["image/png"]));
        var figure = Assert.IsType<JsonObject>(data[HtmlReport.PlotlyMime]);
        Assert.Equal("scatter", (string?)figure["data"]![0]!["type"]);
        Assert.False(data.ContainsKey("text/html")); // its formatter returned false
        Assert.Equal("Swatch 2x1", Text(data["text/plain"]));

        var derived = (JsonObject)Assert.Single(Outputs(Cell(rich.Executed, "new DerivedSwatch()"), "display_data"))["data"]!;
        Assert.Equal("DerivedSwatch 2x1", Text(derived["text/plain"]));
        Assert.True(derived.ContainsKey("image/png"));
        Assert.False(derived.ContainsKey(HtmlReport.PlotlyMime));
    }

    [Fact]
    public void ParametersAreOverriddenByAnInjectedCell()
    {
        var cells = rich.Executed.Cells.ToList();
        int defaults = cells.FindIndex(c => c.Tags.Contains("parameters"));
        Assert.Contains("injected-parameters", cells[defaults + 1].Tags);
        Assert.Contains("seed = 7;", cells[defaults + 1].Source);
        var result = Assert.Single(Outputs(Cell(rich.Executed, "$\"{preset}|"), "execute_result"));
        Assert.Equal($"smoke|7|1.5|{RichNotebookFixture.Label}|True", Text(result["data"]!["text/plain"]));
    }

    [Fact]
    public void MarkdownIsRenderedSafelyAndMagicMarkdownCellsAreNotRun()
    {
        Assert.Contains("<h1>Rich notebook</h1>", rich.Html);
        Assert.Contains("<strong>bold</strong>", rich.Html);
        Assert.Contains("<a href=\"https://example.org\">link</a>", rich.Html);
        Assert.DoesNotContain("<script>alert(1)", rich.Html);
        Assert.Contains("<h2>From a magic cell</h2>", rich.Html);
        var magic = Cell(rich.Executed, "#!markdown");
        Assert.Null(magic.Json["execution_count"]);
        Assert.Empty(Outputs(magic));
    }

    [Fact]
    public void TimeMagicReportsWallTime()
    {
        var stream = Assert.Single(Outputs(Cell(rich.Executed, "#!time"), "stream"));
        var match = Regex.Match(Text(stream["text"]), @"^Wall time: (\d+\.\d) ms\n$");
        Assert.True(match.Success, Text(stream["text"]));
        Assert.True(double.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) >= 30);
    }

    [Fact]
    public void HtmlInlinesImagesAndDrawsPlotlyWithTheCopiedScript()
    {
        Assert.Contains($"<img src=\"data:image/png;base64,{Convert.ToBase64String(Swatch.Png)}\">", rich.Html); // the derived value has no figure
        Assert.Contains("<script src=\"plotly.min.js\"></script>", rich.Html);
        Assert.Contains("Plotly.newPlot(", rich.Html);
        Assert.DoesNotContain("a < b", rich.Html); // the figure JSON is escaped inside <script>
        Assert.Equal("/* plotly stand-in */", File.ReadAllText(Path.Combine(rich.Dir, "out", "plotly.min.js")));
    }

    [Fact]
    public void ExecutedNotebookIsValidNbformatAndKeepsItsMetadata()
    {
        var (code, output) = ValidateWithNbformat(rich.Result.NotebookPath);
        Assert.True(code == 0, output);
        Assert.Equal(".net-csharp", (string?)rich.Executed.Root["metadata"]!["kernelspec"]!["name"]);
        Assert.Equal("csharp", (string?)rich.Executed.Root["metadata"]!["polyglot_notebook"]!["kernelInfo"]!["defaultKernelName"]);
    }

    [Fact]
    public async Task FailingCellStopsTheRunAndIsReported()
    {
        var dir = TempDir("error");
        new NotebookWriter()
            .Markdown("# Fails")
            .Code("var a = 1;")
            .Code("throw new InvalidOperationException(\"boom\");")
            .Code("Console.WriteLine(\"after\");")
            .Save(Path.Combine(dir, "err.ipynb"));
        var result = await NotebookRunner.RunAsync(Path.Combine(dir, "err.ipynb"), new RunOptions { OutDir = Path.Combine(dir, "out") });

        Assert.Equal(RunStatus.Failed, result.Status);
        Assert.Equal(3, result.FailedCell);
        Assert.Equal("notebook err: cell 3 failed: boom", result.Message);
        var executed = NotebookDocument.Load(result.NotebookPath);
        var error = Assert.Single(Outputs(executed.Cells[2], "error"));
        Assert.Equal("InvalidOperationException", (string?)error["ename"]);
        Assert.Equal("boom", (string?)error["evalue"]);
        Assert.Null(executed.Cells[3].Json["execution_count"]);
        Assert.Empty(Outputs(executed.Cells[3]));
        Assert.Contains("cell 3 failed: boom", File.ReadAllText(result.HtmlPath));
        var (code, output) = ValidateWithNbformat(result.NotebookPath);
        Assert.True(code == 0, output);
    }

    [Fact]
    public async Task CompileErrorIsReportedWithTheCellNumber()
    {
        var dir = TempDir("compile");
        new NotebookWriter().Code("var a = 1;").Code("var b = undefinedName;").Save(Path.Combine(dir, "bad.ipynb"));
        var result = await NotebookRunner.RunAsync(Path.Combine(dir, "bad.ipynb"), new RunOptions { OutDir = Path.Combine(dir, "out") });
        Assert.Equal(RunStatus.Failed, result.Status);
        Assert.Equal(2, result.FailedCell);
        Assert.Equal("notebook bad: cell 2 failed: (1,9): error CS0103: The name 'undefinedName' does not exist in the current context", result.Message);
        Assert.Equal("CompilationError", (string?)Assert.Single(Outputs(NotebookDocument.Load(result.NotebookPath).Cells[1], "error"))["ename"]);
    }

    [Fact]
    public async Task RefusesToOverwriteTheSourceNotebook()
    {
        var dir = TempDir("same");
        new NotebookWriter().Code("1").Save(Path.Combine(dir, "a.ipynb"));
        await Assert.ThrowsAsync<ArgumentException>(() => NotebookRunner.RunAsync(Path.Combine(dir, "a.ipynb"), new RunOptions { OutDir = dir }));
        Assert.Empty(NotebookDocument.Load(Path.Combine(dir, "a.ipynb")).Cells[0].Json["outputs"]!.AsArray());
    }

    [Fact]
    public async Task CellTimeoutAbortsTheRun()
    {
        var dir = TempDir("timeout");
        new NotebookWriter().Code("var x = 1;").Code("System.Threading.Thread.Sleep(10000);").Code("x")
            .Save(Path.Combine(dir, "slow.ipynb"));
        var clock = Stopwatch.StartNew();
        var result = await NotebookRunner.RunAsync(Path.Combine(dir, "slow.ipynb"),
            new RunOptions { OutDir = Path.Combine(dir, "out"), CellTimeout = TimeSpan.FromSeconds(1) });
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(8), $"took {clock.Elapsed}");
        Assert.Equal(RunStatus.TimedOut, result.Status);
        Assert.Equal(2, result.FailedCell);
        Assert.Contains("cell 2 timed out after 1 s", result.Message);
        var executed = NotebookDocument.Load(result.NotebookPath);
        Assert.Single(Outputs(executed.Cells[1], "error"));
        Assert.Null(executed.Cells[2].Json["execution_count"]);
    }

    [Fact]
    public async Task NuGetReferenceGivesAClearError()
    {
        var dir = TempDir("nuget");
        new NotebookWriter().Code("#r \"nuget: Newtonsoft.Json, 13.0.1\"").Save(Path.Combine(dir, "pkg.ipynb"));
        var result = await NotebookRunner.RunAsync(Path.Combine(dir, "pkg.ipynb"), new RunOptions { OutDir = Path.Combine(dir, "out") });
        Assert.Equal(RunStatus.Failed, result.Status);
        Assert.Contains("cannot be downloaded", result.Message);
        Assert.Contains("Lib.dll", result.Message);
    }

    [Fact]
    public async Task ReferenceResolvesRelativeToTheNotebookAndLoadsSiblingDependencies()
    {
        var dir = TempDir("ref");
        var refs = Directory.CreateDirectory(Path.Combine(dir, "refs")).FullName;
        var dep = Path.Combine(refs, "NbFixtureDep.dll");
        CompileLibrary(dep, "public static class Dep { public static string Tag => \"dep\"; }");
        CompileLibrary(Path.Combine(refs, "NbFixtureLib.dll"),
            "public static class Greeter { public static string Hello(string n) => $\"hello {n} via {Dep.Tag}\"; }", dep);
        new NotebookWriter().Code("#r \"refs/NbFixtureLib.dll\"").Code("Greeter.Hello(\"nb\")").Save(Path.Combine(dir, "ref.ipynb"));
        Assert.NotEqual(Path.GetFullPath(dir), Environment.CurrentDirectory); // so "refs/" must resolve against the notebook

        var result = await NotebookRunner.RunAsync(Path.Combine(dir, "ref.ipynb"), new RunOptions { OutDir = Path.Combine(dir, "out") });
        Assert.True(result.Succeeded, result.Message);
        var value = Assert.Single(Outputs(NotebookDocument.Load(result.NotebookPath).Cells[1], "execute_result"));
        Assert.Equal("hello nb via dep", Text(value["data"]!["text/plain"]));
    }

    [Fact]
    public async Task ReferenceToAnotherBuildOfAHostAssemblyUsesTheHostsCopy()
    {
        var dir = TempDir("twin");
        var hostName = typeof(Swatch).Assembly.GetName().Name!;
        var twin = Path.Combine(Directory.CreateDirectory(Path.Combine(dir, "refs")).FullName, hostName + ".dll");
        CompileLibrary(twin, "public static class OnlyInTheTwin { }"); // same name as the test assembly, other content
        new NotebookWriter().Code($"#r \"refs/{hostName}.dll\"").Code("new DistillKit.Tests.Notebooks.Swatch().ToString()")
            .Save(Path.Combine(dir, "twin.ipynb"));

        var result = await NotebookRunner.RunAsync(Path.Combine(dir, "twin.ipynb"), new RunOptions { OutDir = Path.Combine(dir, "out") });
        Assert.True(result.Succeeded, result.Message);
        var executed = NotebookDocument.Load(result.NotebookPath);
        Assert.Contains("different build", Text(Assert.Single(Outputs(executed.Cells[0], "stream"))["text"]));
        Assert.Equal("Swatch.ToString", Text(Assert.Single(Outputs(executed.Cells[1], "execute_result"))["data"]!["text/plain"]));
    }

    [Fact]
    public async Task RunAllRunsInNameOrderAndWritesAnIndex()
    {
        var dir = TempDir("all");
        new NotebookWriter().Code("1 + 1").Save(Path.Combine(dir, "02-second.ipynb"));
        new NotebookWriter().Code("throw new Exception(\"nope\");").Save(Path.Combine(dir, "01-first.ipynb"));
        var all = await NotebookRunner.RunAllAsync(dir, new RunOptions { OutDir = Path.Combine(dir, "out") });

        Assert.Equal(new[] { "01-first", "02-second" }, all.Results.Select(r => r.Name));
        Assert.False(all.Succeeded);
        Assert.True(all.Results[1].Succeeded, all.Results[1].Message);
        var index = File.ReadAllText(all.IndexPath);
        Assert.Contains("<a href=\"01-first.html\">01-first</a>", index);
        Assert.Contains("<a href=\"02-second.html\">02-second</a>", index);
        Assert.Contains("cell 1 failed: nope", index);
        Assert.Contains("1 of 2 notebooks passed", index);
    }
}
