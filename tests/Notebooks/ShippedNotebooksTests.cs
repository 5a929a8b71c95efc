using System.Text.Json.Nodes;
using DistillKit.Cli.Notebooks;
using DistillKit.Tests.Support;
using Xunit;
using static DistillKit.Tests.Notebooks.NotebookTestKit;

namespace DistillKit.Tests.Notebooks;

/// <summary>Every notebook in notebooks/ runs headless on the kernel under the smoke preset with the outputs a reader expects.</summary>
public class ShippedNotebooksTests
{
    public static TheoryData<string> Notebooks()
    {
        var data = new TheoryData<string>();
        foreach (var f in Directory.GetFiles(Path.Combine(ReferenceScripts.RepoRoot, "notebooks"), "*.ipynb").OrderBy(f => f))
            data.Add(Path.GetFileName(f));
        return data;
    }

    static IEnumerable<JsonObject> Outputs(JsonObject nb) =>
        nb["cells"]!.AsArray().Select(c => c!.AsObject())
            .Where(c => c["cell_type"]!.GetValue<string>() == "code")
            .SelectMany(c => c["outputs"]!.AsArray().Select(o => o!.AsObject()));

    [Theory]
    [MemberData(nameof(Notebooks))]
    public void CommittedNotebookHasNoOutputsAndTheDotNetInteractiveFormat(string name)
    {
        var nb = JsonNode.Parse(File.ReadAllText(Path.Combine(ReferenceScripts.RepoRoot, "notebooks", name)))!.AsObject();
        Assert.Empty(Outputs(nb));
        Assert.Equal(".net-csharp", nb["metadata"]!["kernelspec"]!["name"]!.GetValue<string>());
        Assert.Equal("csharp", nb["metadata"]!["polyglot_notebook"]!["kernelInfo"]!["defaultKernelName"]!.GetValue<string>());
        var code = nb["cells"]!.AsArray().Where(c => c!["cell_type"]!.GetValue<string>() == "code").ToList();
        Assert.All(code, c => Assert.Equal("csharp", c!["metadata"]!["polyglot_notebook"]!["kernelName"]!.GetValue<string>()));
        Assert.Contains(code, c => c!["metadata"]!["tags"]?.AsArray().Any(t => t!.GetValue<string>() == "parameters") == true);
        Assert.Contains(code, c => c!["metadata"]!["tags"]?.AsArray().Any(t => t!.GetValue<string>() == HtmlReport.HeadlineTag) == true);   // for the report index
    }

    [Theory]
    [MemberData(nameof(Notebooks))]
    public async Task RunsUnderSmokeWithFigureImageAndResultsTable(string name)
    {
        var outDir = Path.Combine(Path.GetTempPath(), "dk-shipped-" + Guid.NewGuid().ToString("N"));
        var result = await NotebookRunner.RunAsync(Path.Combine(ReferenceScripts.RepoRoot, "notebooks", name), new RunOptions
        {
            OutDir = outDir,
            Parameters = new Dictionary<string, string> { ["preset"] = "smoke", ["outDir"] = Path.Combine(outDir, "run") },
            CellTimeout = TimeSpan.FromMinutes(5),
        });
        Assert.True(result.Succeeded, result.Message);
        var executed = JsonNode.Parse(File.ReadAllText(result.NotebookPath))!.AsObject();
        var outputs = Outputs(executed).ToList();
        Assert.DoesNotContain(outputs, o => o["output_type"]!.GetValue<string>() == "error");
        var mimes = outputs.Where(o => o["data"] is JsonObject).SelectMany(o => o["data"]!.AsObject().Select(kv => (kv.Key, kv.Value))).ToList();
        Assert.Contains(mimes, m => m.Key == "text/html" && m.Value!.ToString().Contains(HtmlReport.PlotlyCall)); // a chart
        Assert.Contains("<script src=\"plotly.min.js\"></script>", File.ReadAllText(result.HtmlPath));
        Assert.Contains(mimes, m => m.Key == "image/png");
        Assert.Contains(mimes, m => m.Key == "text/html" && m.Value!.ToString().Contains("<table"));
        Assert.NotEmpty(HtmlReport.Headline(result.NotebookPath));   // what the report index shows
        Assert.True(File.Exists(result.HtmlPath));
        var dom = RenderedDom(result.HtmlPath); // offline: plotly.min.js was copied beside the page
        Assert.Contains("class=\"main-svg\"", dom); // only plotly.js writes these
        Assert.Contains("<img ", dom);
        Directory.Delete(outDir, true);
    }
}
