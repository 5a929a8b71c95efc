using System.Text.Json.Nodes;
using DistillKit.Cli.Notebooks;
using Microsoft.DotNet.Interactive.Formatting;
using Xunit;
using static DistillKit.Tests.Notebooks.NotebookTestKit;

namespace DistillKit.Tests.Notebooks;

/// <summary>The runner's parts on their own: writer format, parameters, magics, formatting, markdown, HTML.</summary>
public sealed class NotebookPartsTests
{
    [Fact]
    public void WriterProducesDotNetInteractiveFormatWithoutOutputs()
    {
        var nb = new NotebookWriter().Markdown("# T").Parameters("var seed = 0;").Code("seed").Build();
        var meta = nb.Root["metadata"]!;
        Assert.Equal(".net-csharp", (string?)meta["kernelspec"]!["name"]);
        Assert.Equal(".NET (C#)", (string?)meta["kernelspec"]!["display_name"]);
        Assert.Equal("csharp", (string?)meta["polyglot_notebook"]!["kernelInfo"]!["items"]![0]!["name"]);
        Assert.Equal(4, (int)nb.Root["nbformat"]!);
        Assert.Equal(5, (int)nb.Root["nbformat_minor"]!);
        var code = nb.Cells[2];
        Assert.Equal("csharp", (string?)code.Json["metadata"]!["dotnet_interactive"]!["language"]);
        Assert.Equal("csharp", (string?)code.Json["metadata"]!["polyglot_notebook"]!["kernelName"]);
        Assert.Empty(Outputs(code));
        Assert.Equal(new[] { "parameters" }, nb.Cells[1].Tags);
        Assert.Equal(3, nb.Cells.Select(c => c.Id).Distinct().Count());
    }

    [Fact]
    public void SaveAndLoadRoundTripKeepsUnknownMetadata()
    {
        var path = Path.Combine(TempDir("roundtrip"), "a.ipynb");
        var nb = new NotebookWriter().Code("var x = 1;\nx").Build();
        nb.Root["metadata"]!["custom"] = new JsonObject { ["keep"] = "me" };
        nb.Save(path);
        var back = NotebookDocument.Load(path);
        Assert.Equal("me", (string?)back.Root["metadata"]!["custom"]!["keep"]);
        Assert.Equal("var x = 1;\nx", back.Cells[0].Source);
        Assert.Equal(new[] { "var x = 1;\n", "x" }, ((JsonArray)back.Cells[0].Json["source"]!).Select(l => (string?)l));
    }

    [Fact]
    public void LoadNamesTheFileOnBadInput()
    {
        var path = Path.Combine(TempDir("bad"), "broken.ipynb");
        File.WriteAllText(path, "{\"nbformat\": 3, \"cells\": []}");
        var e = Assert.Throws<InvalidDataException>(() => NotebookDocument.Load(path));
        Assert.Contains("broken.ipynb", e.Message);
    }

    [Fact]
    public void EnsureIdsAddsMissingAndReplacesDuplicateIds()
    {
        var nb = new NotebookWriter().Code("1").Code("2").Code("3").Build();
        nb.Cells[0].Json.Remove("id");
        nb.Cells[2].Json["id"] = nb.Cells[1].Id;
        nb.Root["nbformat_minor"] = 4;
        nb.EnsureIds();
        Assert.Equal(3, nb.Cells.Select(c => c.Id).Distinct().Count());
        Assert.All(nb.Cells, c => Assert.Matches("^[A-Za-z0-9_-]{1,64}$", c.Id!));
        Assert.Equal(5, (int)nb.Root["nbformat_minor"]!);
    }

    [Theory]
    [InlineData("7", false, "7")]
    [InlineData("-1.5e3", false, "-1.5e3")]
    [InlineData("True", false, "true")]
    [InlineData("smoke", false, "\"smoke\"")]
    [InlineData("7", true, "\"7\"")]
    [InlineData("1.", false, "\"1.\"")]
    [InlineData("a \"b\" \\c", false, "\"a \\\"b\\\" \\\\c\"")]
    public void ParameterValuesBecomeCSharpLiterals(string value, bool asString, string expected) =>
        Assert.Equal(expected, NotebookParameters.Literal(value, asString));

    [Fact]
    public void InjectingAnUndeclaredParameterFails()
    {
        var nb = new NotebookWriter().Parameters("var preset = \"smoke\";\nint seed = 0;").Build();
        Assert.Equal(new[] { "preset", "seed" }, NotebookParameters.Declared(nb.Cells[0].Source).Keys);
        var e = Assert.Throws<ArgumentException>(() =>
            NotebookParameters.Inject(nb, new Dictionary<string, string> { ["epochs"] = "3" }, "nb"));
        Assert.Contains("epochs", e.Message);
    }

    [Fact]
    public void InjectingTwiceReplacesTheEarlierInjectedCell()
    {
        var nb = new NotebookWriter().Parameters("var seed = 0;").Code("seed").Build();
        NotebookParameters.Inject(nb, new Dictionary<string, string> { ["seed"] = "1" }, "nb");
        NotebookParameters.Inject(nb, new Dictionary<string, string> { ["seed"] = "2" }, "nb");
        Assert.Equal(3, nb.Cells.Count);
        Assert.Contains("seed = 2;", nb.Cells[1].Source);
    }

    [Fact]
    public void MarkdownMagicAndNuGetReferencesAreRecognised()
    {
        var markdown = CellMagic.Parse("\n#!markdown\n# Hi");
        Assert.True(markdown.IsMarkdown);
        Assert.Equal("# Hi", markdown.Code);
        Assert.False(CellMagic.Parse("#!csharp\n#!markdown").IsMarkdown); // only a leading #!markdown
        Assert.Equal(new[] { "Foo, 1.0" }, CellMagic.Parse("#r \"nuget: Foo, 1.0\"").NuGetPackages);
        Assert.Empty(CellMagic.Parse("#r \"../build/kit/Lib.dll\"").NuGetPackages);
    }

    [Fact]
    public void MimeBundleKeepsEachFormattedValueAndEmbedsJsonMimeTypes()
    {
        var data = MimeBundle.Data([
            new FormattedValue("text/html", "<b>x</b>"),
            new FormattedValue(HtmlReport.PlotlyMime, SwatchFormatterSource.Figure),
            new FormattedValue("application/json", "not json"),
            new FormattedValue("text/plain", "hidden") { SuppressDisplay = true },
        ]);
        Assert.Equal("<b>x</b>", (string?)data["text/html"]);
        Assert.Equal("scatter", (string?)data[HtmlReport.PlotlyMime]!["data"]![0]!["type"]);
        Assert.Equal("not json", (string?)data["application/json"]); // kept as text, which nbformat accepts
        Assert.False(data.ContainsKey("text/plain"));
    }

    [Fact]
    public void MarkdownConvertsBlocksAndInlineMarkupAndDropsUnsafeLinks()
    {
        var html = MarkdownHtml.ToHtml("## Title\n\n- one *it*\n- two `a<b`\n\n1. first\n\n```csharp\nvar x = 1 < 2;\n```\n\n[bad](javascript:alert(1)) and __strong__ and [ok](docs/a.md)\n\n| a | b |\n|---|---|\n| 1 | 2 |");
        Assert.Contains("<h2>Title</h2>", html);
        Assert.Contains("<ul>\n<li>one <em>it</em></li>\n<li>two <code>a&lt;b</code></li>\n</ul>", html);
        Assert.Contains("<ol>\n<li>first</li>\n</ol>", html);
        Assert.Contains("<pre><code class=\"language-csharp\">var x = 1 &lt; 2;</code></pre>", html);
        Assert.DoesNotContain("javascript:", html);
        Assert.Contains("<strong>strong</strong>", html);
        Assert.Contains("<a href=\"docs/a.md\">ok</a>", html);
        Assert.Contains("<th>a</th><th>b</th>", html);
        Assert.Contains("<td>1</td><td>2</td>", html);
    }

    [Fact]
    public void PlotlyFigureWithoutPlotlyJsShowsJsonAndANote()
    {
        var nb = new NotebookWriter().Code("fig").Build();
        var bundle = new JsonObject { [HtmlReport.PlotlyMime] = JsonNode.Parse(SwatchFormatterSource.Figure), ["text/plain"] = "fig" };
        nb.Cells[0].Json["outputs"] = new JsonArray(new JsonObject { ["output_type"] = "display_data", ["data"] = bundle, ["metadata"] = new JsonObject() });
        var result = new RunResult("fig", RunStatus.Succeeded, null, null, "fig.ipynb", "fig.html", TimeSpan.FromSeconds(1), [null]);
        var html = HtmlReport.Notebook(nb, result, plotly: false);
        Assert.Contains("plotly.js not found", html);
        Assert.Contains("scatter", html);
        Assert.DoesNotContain("Plotly.newPlot", html);
        Assert.DoesNotContain("<script", html);
    }

    [Fact]
    public void HtmlChartWithoutPlotlyJsGetsANoteAndNoScriptTag()
    {
        var nb = new NotebookWriter().Code("chart").Build();
        var bundle = new JsonObject { ["text/html"] = RichNotebookFixture.Chart };
        nb.Cells[0].Json["outputs"] = new JsonArray(new JsonObject { ["output_type"] = "display_data", ["data"] = bundle, ["metadata"] = new JsonObject() });
        Assert.True(HtmlReport.NeedsPlotly(bundle));
        var result = new RunResult("chart", RunStatus.Succeeded, null, null, "chart.ipynb", "chart.html", TimeSpan.FromSeconds(1), [null]);
        var html = HtmlReport.Notebook(nb, result, plotly: false);
        Assert.Contains("plotly.js not found", html);
        Assert.DoesNotContain("plotly.min.js\"></script>", html);
        Assert.Contains(RichNotebookFixture.Chart, html);
    }
}

public class DisplayUpdateTests
{
    [Fact]
    public async Task UpdatingADisplayReplacesItsOutputInPlaceEvenFromALaterCell()
    {
        var dir = Directory.CreateTempSubdirectory("dk-nb-update-").FullName;
        new NotebookWriter()
            .Code("var h = display(\"first\");\nConsole.WriteLine(\"between\");\nh.Update(\"second\");\nh.Update(\"third\");")
            .Code("display(1)")
            .Code("h.Update(\"fourth\");")
            .Save(Path.Combine(dir, "u.ipynb"));
        var result = await NotebookRunner.RunAsync(Path.Combine(dir, "u.ipynb"), new RunOptions { OutDir = Path.Combine(dir, "out") });
        Assert.True(result.Succeeded, result.Message);
        var cells = NotebookDocument.Load(result.NotebookPath).Cells;
        var outputs = cells[0].Json["outputs"]!.AsArray();
        Assert.Equal(2, outputs.Count); // the display (updated in place) and the stream between
        Assert.Equal("fourth", outputs[0]!["data"]!["text/plain"]!.GetValue<string>()); // the last update, made by cell 3
        Assert.Equal("between\n", outputs[1]!["text"]!.GetValue<string>());
        Assert.Single(cells[1].Json["outputs"]!.AsArray()); // a trailing display(...) is not also shown as a result
        Assert.Empty(cells[2].Json["outputs"]!.AsArray());
    }
}

/// <summary>Notebooks started together (the runner takes them one at a time: the current directory is the process's).</summary>
public class ConcurrentNotebooksTests
{
    [Fact]
    public async Task NotebooksStartedTogetherKeepTheirOwnConsoleOutput()
    {
        var dir = Directory.CreateTempSubdirectory("dk-nb-concurrent-").FullName;
        foreach (var name in new[] { "a", "b" })
            new NotebookWriter()
                .Code($"for (int i = 0; i < 20; i++) {{ Console.WriteLine(\"{name}\" + i); System.Threading.Thread.Sleep(5); }}")
                .Save(Path.Combine(dir, name + ".ipynb"));
        var runs = new[] { "a", "b" }.Select(n => NotebookRunner.RunAsync(Path.Combine(dir, n + ".ipynb"), new RunOptions { OutDir = Path.Combine(dir, "out-" + n) })).ToArray();
        var results = await Task.WhenAll(runs);
        foreach (var (result, name) in results.Zip(new[] { "a", "b" }))
        {
            Assert.True(result.Succeeded, result.Message);
            var text = string.Concat(NotebookDocument.Load(result.NotebookPath).Cells[0].Json["outputs"]!.AsArray()
                .Select(o => o!["text"]?.GetValue<string>() ?? ""));
            Assert.Equal(string.Concat(Enumerable.Range(0, 20).Select(i => $"{name}{i}\n")), text);
        }
    }
}

/// <summary>A long cell's console output reaches the terminal while the cell still runs (what <c>./kit report</c> shows).</summary>
public class LiveEchoTests
{
    sealed class ClockedWriter : StringWriter
    {
        public readonly System.Diagnostics.Stopwatch Clock = System.Diagnostics.Stopwatch.StartNew();
        public TimeSpan? FirstLine, LastLine;
        public override void Write(string? value)
        {
            if (value?.Contains("step 0") == true) FirstLine ??= Clock.Elapsed;
            if (value?.Contains("step 1") == true) LastLine ??= Clock.Elapsed;
            base.Write(value);
        }
        public override void Write(char value) => Write(value.ToString());
    }

    [Fact]
    public async Task CellConsoleOutputIsEchoedAsItHappensWithTheCellsPrefix()
    {
        var dir = Directory.CreateTempSubdirectory("dk-nb-echo-").FullName;
        new NotebookWriter()
            .Code("Console.WriteLine(\"step 0\");\nSystem.Threading.Thread.Sleep(2000);\nConsole.WriteLine(\"step 1\");")
            .Save(Path.Combine(dir, "echo.ipynb"));
        var progress = new ClockedWriter();
        var result = await NotebookRunner.RunAsync(Path.Combine(dir, "echo.ipynb"),
            new RunOptions { OutDir = Path.Combine(dir, "out"), Progress = progress, EchoCellOutput = true });
        Assert.True(result.Succeeded, result.Message);
        var text = progress.ToString();
        Assert.Contains("[echo:1] step 0\n[echo:1] step 1\n", text);
        // the cell sleeps 2 s between its two lines: echoed live, the first reaches the terminal well before the second
        Assert.True(progress.FirstLine is { } first && progress.LastLine is { } last && last - first > TimeSpan.FromSeconds(1.5),
            $"'step 0' was echoed at {progress.FirstLine}, 'step 1' at {progress.LastLine}");
    }
}
