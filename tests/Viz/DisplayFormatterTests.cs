using DistillKit.Viz.Display;
using DistillKit.Viz.Plots;
using System.Reflection;
using DistillKit.Imaging;
using TorchSharp;
using static TorchSharp.torch;
using DistillKit.Viz;
using Xunit;

namespace DistillKit.Tests.Viz;

public class DisplayFormatterTests
{
    /// <summary>Mime type → text, found the way .NET Interactive and the kit runner do: attribute, source, formatters.</summary>
    static Dictionary<string, string> Format(object value)
    {
        var attr = value.GetType().GetCustomAttribute<TypeFormatterSourceAttribute>();
        Assert.NotNull(attr);
        var source = Activator.CreateInstance(attr!.FormatterSourceType)!;
        var formatters = (IEnumerable<object>)attr.FormatterSourceType.GetMethod("CreateTypeFormatters")!.Invoke(source, null)!;
        var result = new Dictionary<string, string>();
        foreach (var f in formatters.Cast<TypeFormatter>())
        {
            var w = new StringWriter();
            if (f.Format(value, w)) result[f.MimeType] = w.ToString();
        }
        return result;
    }

    [Fact]
    public void ImagesFormatAsBase64Png()
    {
        var img = Image.FromBytes(2, 1, 3, [255, 0, 0, 0, 0, 255]);
        var m = Format(img);
        Assert.True(img.PixelsEqual(Png.Decode(Convert.FromBase64String(m["image/png"]))));
        Assert.Contains("data:image/png;base64,", m["text/html"]);

        using var t = torch.zeros(3, 2, 3);
        var view = new ImageView(t, "zeros", scale: 2);
        var vm = Format(view);
        var shown = Png.Decode(Convert.FromBase64String(vm["image/png"]));
        Assert.Equal((6, 4), (shown.Width, shown.Height)); // enlarged x2
        Assert.Contains("<figcaption>zeros</figcaption>", vm["text/html"]);

        using var flow = torch.tensor(new float[] { 3, 0 }, [2, 1, 1]);
        var field = new FlowField(flow);
        var fm = Format(field);
        var coded = Png.Decode(Convert.FromBase64String(fm["image/png"]));
        Assert.Equal(new byte[] { 255, 0, 0 }, coded.Pixels8);
        Assert.Contains("max |w| 3 px", fm["text/plain"]);
    }

    [Fact]
    public void ResultsTableFormatsHtmlAndAlignedText()
    {
        var table = new ResultsTable("Sintel clean")
            .Add("teacher", ("EPE", 2.54321), ("Fl", 0.1))
            .Add("student", ("EPE", 2.1), ("params", 1_200_000));
        Assert.Equal(new[] { "EPE", "Fl", "params" }, table.Columns);
        Assert.Equal(2.1, table["student", "EPE"]);
        var m = Format(table);
        Assert.Contains("<th>EPE</th>", m["text/html"]);
        Assert.Contains("<td style=\"text-align:right\">2.5432</td>", m["text/html"]);
        var lines = m["text/plain"].Split('\n');
        Assert.Equal("Sintel clean", lines[0]);
        Assert.Equal("            EPE   Fl   params", lines[1]);
        Assert.Equal("teacher  2.5432  0.1        –", lines[2]);
        Assert.Equal("student     2.1    –  1200000", lines[3]);
    }

    sealed record Metrics(double Epe, double Fl);

    [Fact]
    public void ResultsTableTakesRecords()
    {
        var table = new ResultsTable().AddRecord("model", new Metrics(1.5, 0.25));
        Assert.Equal(new[] { "Epe", "Fl" }, table.Columns);
        Assert.Equal(0.25, table["model", "Fl"]);
    }
}
