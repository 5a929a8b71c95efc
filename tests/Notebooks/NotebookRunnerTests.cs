using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using DistillKit.Cli.Notebooks;
using Xunit;
using static DistillKit.Tests.Notebooks.NotebookTestKit;

namespace DistillKit.Tests.Notebooks;

/// <summary>
/// Runs one feature-rich notebook once on the .NET Interactive kernel (display, HTML, results, self-formatting types,
/// a plotly figure and an HTML chart, markdown, #!time, #!csharp, overridden parameters) and keeps its executed form.
/// </summary>
public sealed class RichNotebookFixture
{
    public string Dir { get; } = TempDir("rich");
    public RunResult Result { get; }
    public NotebookDocument Executed { get; }
    public string Html { get; }
    public const string Label = "say \"hi\" \\ there";
    public const string Chart = "<div id=\"chart\"></div><script>Plotly.newPlot(\"chart\", [{y: [1, 2]}]);</script>";

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
            .Code("new PlotFixture()")
            .Code($"HTML({Microsoft.CodeAnalysis.CSharp.SymbolDisplay.FormatLiteral(RichNotebookFixture.Chart, quote: true)})")
            .Code("#!markdown\n## From a magic cell")
            .Code("#!time\nSystem.Threading.Thread.Sleep(30);")
            .Code("#!csharp\n$\"{preset}|{seed}|{scale}|{label}|{verbose}\"")
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
    static JsonObject Data(JsonObject output) => (JsonObject)output["data"]!;

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
        Assert.Equal("shown", Text(Data(display)["text/plain"]));
        var streams = Outputs(cell, "stream");
        Assert.Contains(streams, s => (string?)s["name"] == "stdout" && Text(s["text"]) == "to stdout\n");
        Assert.Contains(streams, s => (string?)s["name"] == "stderr" && Text(s["text"]) == "to stderr\n");
    }

    [Fact]
    public void HtmlHelperAndReturnValuesBecomeExecuteResultsAsTheKernelFormatsThem()
    {
        var html = Assert.Single(Outputs(Cell(rich.Executed, "HTML(\"<b>bold html</b>\")"), "execute_result"));
        Assert.Equal("<b>bold html</b>", Text(Data(html)["text/html"]));

        var cell = Cell(rich.Executed, "6 * 7");
        var result = Assert.Single(Outputs(cell, "execute_result"));
        Assert.StartsWith("<div class=\"dni-plaintext\"><pre>42</pre></div>", Text(Data(result)["text/html"])); // the kernel's HTML for a number
        Assert.Equal((int)cell.Json["execution_count"]!, (int)result["execution_count"]!);

        var statement = Cell(rich.Executed, "var unused = 1;");
        Assert.Empty(Outputs(statement));
        Assert.NotNull(statement.Json["execution_count"]);
    }

    [Fact]
    public void TypeFormatterSourceByConventionFormatsValuesAndDerivedTypesInThePreferredMimeTypes()
    {
        var data = Data(Assert.Single(Outputs(Cell(rich.Executed, "new Swatch()"), "execute_result")));
        Assert.Equal(["image/png", "text/plain"], data.Select(kv => kv.Key).Order());
        Assert.Equal(Convert.ToBase64String(Swatch.Png), Text(data["image/png"]));
        Assert.Equal("Swatch 2x1", Text(data["text/plain"]));

        var derived = Data(Assert.Single(Outputs(Cell(rich.Executed, "new DerivedSwatch()"), "display_data")));
        Assert.Equal("DerivedSwatch 2x1", Text(derived["text/plain"]));
        Assert.Equal(Convert.ToBase64String(Swatch.Png), Text(derived["image/png"]));

        var figure = Assert.IsType<JsonObject>(Data(Assert.Single(Outputs(Cell(rich.Executed, "new PlotFixture()"), "execute_result")))[HtmlReport.PlotlyMime]);
        Assert.Equal("scatter", (string?)figure["data"]![0]!["type"]); // JSON mime types are stored as JSON
    }

    [Fact]
    public void ParametersAreOverriddenByAnInjectedCellAndCsharpMagicIsTheKernels()
    {
        var cells = rich.Executed.Cells.ToList();
        int defaults = cells.FindIndex(c => c.Tags.Contains("parameters"));
        Assert.Contains("injected-parameters", cells[defaults + 1].Tags);
        Assert.Contains("seed = 7;", cells[defaults + 1].Source);
        var result = Assert.Single(Outputs(Cell(rich.Executed, "$\"{preset}|"), "execute_result"));
        Assert.Equal($"smoke|7|1.5|{RichNotebookFixture.Label}|True", Text(Data(result)["text/plain"]));
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
    public void TimeMagicReportsWallTimeAsTheToolsKernelDoes()
    {
        var shown = Assert.Single(Outputs(Cell(rich.Executed, "#!time"), "display_data"));
        var match = Regex.Match(Text(Data(shown)["text/plain"]), @"^Wall time: (\d+(\.\d+)?)ms$");
        Assert.True(match.Success, Text(Data(shown)["text/plain"]));
        Assert.True(double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) >= 30);
    }

    [Fact]
    public void HtmlInlinesImagesAndLoadsPlotlyBeforeTheFirstOutput()
    {
        Assert.Contains($"<img src=\"data:image/png;base64,{Convert.ToBase64String(Swatch.Png)}\">", rich.Html);
        int script = rich.Html.IndexOf("<script src=\"plotly.min.js\"></script>", StringComparison.Ordinal);
        Assert.True(script >= 0, "plotly.min.js is not loaded");
        Assert.True(script < rich.Html.IndexOf("<div class=\"output\">", StringComparison.Ordinal), "plotly.min.js is loaded after an output");
        Assert.Contains(RichNotebookFixture.Chart, rich.Html); // the chart's own HTML, run as it is
        Assert.Contains("Plotly.newPlot(\"plot-1\",fig.data", rich.Html); // the figure JSON drawn by the page
        Assert.DoesNotContain("a < b", rich.Html); // the figure JSON is escaped inside <script>
        Assert.Equal("/* plotly stand-in */", File.ReadAllText(Path.Combine(rich.Dir, "out", "plotly.min.js")));
    }

    [Fact]
    public void ExecutedNotebookIsValidNbformatAndOpensInDotNetInteractive()
    {
        var (code, output) = ValidateWithNbformat(rich.Result.NotebookPath);
        Assert.True(code == 0, output);
        Assert.Equal(".net-csharp", (string?)rich.Executed.Root["metadata"]!["kernelspec"]!["name"]);
        Assert.Equal("csharp", (string?)rich.Executed.Root["metadata"]!["polyglot_notebook"]!["kernelInfo"]!["defaultKernelName"]);

        var document = Microsoft.DotNet.Interactive.Documents.Jupyter.Notebook.Parse(File.ReadAllText(rich.Result.NotebookPath));
        var code6x7 = document.Elements.Single(e => e.Contents == "6 * 7");
        Assert.Equal("csharp", code6x7.KernelName);
        Assert.IsType<Microsoft.DotNet.Interactive.Documents.ReturnValueElement>(Assert.Single(code6x7.Outputs));
        var swatch = document.Elements.Single(e => e.Contents == "new Swatch()");
        var png = Assert.IsType<Microsoft.DotNet.Interactive.Documents.ReturnValueElement>(Assert.Single(swatch.Outputs));
        Assert.Equal(Convert.ToBase64String(Swatch.Png), png.Data["image/png"]?.ToString());
    }
}
