using DistillKit.Viz.Display;
using DistillKit.Viz.Plots;
using System.Text.Json.Nodes;
using DistillKit.Cli.Notebooks;
using DistillKit.Imaging;
using DistillKit.Viz;
using TorchSharp;
using Xunit;
using static DistillKit.Tests.Notebooks.NotebookTestKit;

namespace DistillKit.Tests.Notebooks;

/// <summary>How kit values and TorchSharp tensors show on the .NET Interactive kernel (<see cref="KitFormatters"/>).</summary>
public sealed class KitDisplayTests
{
    [Fact]
    public async Task KitValuesAndTensorsShowInTheirPreferredMimeTypesOnTheKernel()
    {
        var dir = TempDir("kit-display");
        new NotebookWriter()
            .Code($"#r \"{typeof(ImageView).Assembly.Location}\"")
            .Code("using TorchSharp;\nusing static TorchSharp.torch;\n$\"{torch.ones(2, 2).sum().item<float>()}\"")
            .Code("using DistillKit.Viz.Display;\nnew ResultsTable(\"r\").Add(\"a\", (\"x\", 1.5))")
            .Code("torch.ones(2, 2)")
            .Code("new ImageView(torch.zeros(3, 2, 3), \"zeros\", scale: 2)")
            .Code("new FlowField(torch.tensor(new float[] { 3, 0 }, new long[] { 2, 1, 1 }))")
            .Save(Path.Combine(dir, "kit.ipynb"));
        var result = await NotebookRunner.RunAsync(Path.Combine(dir, "kit.ipynb"), new RunOptions { OutDir = Path.Combine(dir, "out") });
        Assert.True(result.Succeeded, result.Message);
        var cells = NotebookDocument.Load(result.NotebookPath).Cells;
        JsonObject Data(int cell) => (JsonObject)Assert.Single(Outputs(cells[cell], "execute_result"))["data"]!;

        Assert.Equal("4", Text(Data(1)["text/plain"]));
        Assert.Equal(["text/html", "text/plain"], Data(2).Select(kv => kv.Key).Order());
        Assert.StartsWith("<table class=\"dk-results\">", Text(Data(2)["text/html"]));
        var tensor = Assert.Single(Data(3));
        Assert.Equal(("text/plain", "tensor [2, 2] Float32 cpu\n[[1, 1],\n [1, 1]]"), (tensor.Key, Text(tensor.Value)));
        var png = Png.Decode(Convert.FromBase64String(Text(Data(4)["image/png"])));
        Assert.Equal((6, 4), (png.Width, png.Height));
        Assert.Equal("ImageView 6x4: zeros", Text(Data(4)["text/plain"]));
        Assert.Contains("<img style=\"image-rendering:pixelated\" src=\"data:image/png;base64,", Text(Data(5)["text/html"]));
        Assert.Contains("max |w| 3 px", Text(Data(5)["text/plain"]));
    }

    [Fact]
    public void TensorsShowShapeDtypeDeviceAndUpTo64ValuesNested()
    {
        using var scalar = torch.tensor(3.5);
        Assert.Equal("tensor [] Float64 cpu\n3.5", TensorDisplay.Describe(scalar));
        using var cube = torch.arange(12).reshape(2, 3, 2);
        Assert.Equal("tensor [2, 3, 2] Int64 cpu\n[[[0, 1],\n  [2, 3],\n  [4, 5]],\n [[6, 7],\n  [8, 9],\n  [10, 11]]]", TensorDisplay.Describe(cube));
        using var flags = torch.tensor(new[] { true, false });
        Assert.Equal("tensor [2] Bool cpu\n[true, false]", TensorDisplay.Describe(flags));
        using var weights = torch.tensor(new[] { 0.25f, -1f }).requires_grad_();
        Assert.Equal("tensor [2] Float32 cpu requires_grad\n[0.25, -1]", TensorDisplay.Describe(weights));
        using var big = torch.zeros(65);
        Assert.Equal("tensor [65] Float32 cpu (65 elements; values shown up to 64)", TensorDisplay.Describe(big));
        var gone = torch.ones(1);
        gone.Dispose();
        Assert.Equal("tensor (disposed)", TensorDisplay.Describe(gone));
    }
}
