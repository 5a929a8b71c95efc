using System.Net;
using DistillKit.Imaging;
using TorchSharp;
using static TorchSharp.torch;

namespace DistillKit.Viz.Display;

/// <summary>
/// Display formatters for <see cref="Image"/>, <see cref="ImageView"/>, <see cref="FlowField"/> and <see cref="FlowGrid"/>: <c>image/png</c>
/// (base64 PNG), <c>text/html</c> (an <c>img</c> with a data URI and caption) and <c>text/plain</c>.
/// </summary>
public sealed class ImageFormatterSource
{
    static readonly Lazy<string> s_legend = new(() =>
    {
        using var legend = FlowColors.Legend(41);
        return Convert.ToBase64String(ImageTensor.ToPng(legend));
    });

    public IEnumerable<object> CreateTypeFormatters()
    {
        yield return new TypeFormatter(typeof(Image), "image/png", (o, w) => { w.Write(Base64((Image)o)); return true; });
        yield return new TypeFormatter(typeof(Image), "text/html", (o, w) => { w.Write(Html(Base64((Image)o), null)); return true; });
        yield return new TypeFormatter(typeof(Image), "text/plain", (o, w) => { w.Write(o.ToString()); return true; });

        yield return new TypeFormatter(typeof(ImageView), "image/png", (o, w) => { w.Write(Base64(((ImageView)o).Image)); return true; });
        yield return new TypeFormatter(typeof(ImageView), "text/html", (o, w) => { var v = (ImageView)o; w.Write(Html(Base64(v.Image), v.Caption)); return true; });
        yield return new TypeFormatter(typeof(ImageView), "text/plain", (o, w) => { w.Write(o.ToString()); return true; });

        yield return new TypeFormatter(typeof(FlowField), "image/png", (o, w) => { w.Write(Base64(((FlowField)o).View.Image)); return true; });
        yield return new TypeFormatter(typeof(FlowField), "text/html", (o, w) => { w.Write(FlowHtml((FlowField)o)); return true; });
        yield return new TypeFormatter(typeof(FlowField), "text/plain", (o, w) => { w.Write(o.ToString()); return true; });

        yield return new TypeFormatter(typeof(FlowGrid), "image/png", (o, w) => { w.Write(Base64(((FlowGrid)o).ToView().Image)); return true; });
        yield return new TypeFormatter(typeof(FlowGrid), "text/html", (o, w) => { w.Write(Html(Base64(((FlowGrid)o).ToView().Image), null)); return true; });
        yield return new TypeFormatter(typeof(FlowGrid), "text/plain", (o, w) => { w.Write(o.ToString()); return true; });
    }

    /// <summary>Base64 of the PNG encoding (16-bit images stay 16-bit).</summary>
    public static string Base64(Image image) => Convert.ToBase64String(Png.Encode(image));

    static string Html(string base64, string? caption) =>
        "<figure style=\"display:inline-block;margin:4px\"><img style=\"image-rendering:pixelated\" src=\"data:image/png;base64," + base64 + "\"/>" +
        (caption is null ? "" : "<figcaption>" + WebUtility.HtmlEncode(caption) + "</figcaption>") + "</figure>";

    static string FlowHtml(FlowField f) =>
        "<div style=\"display:flex;align-items:flex-start;gap:8px\">" + Html(Base64(f.View.Image), f.Caption) +
        "<figure style=\"margin:4px\"><img src=\"data:image/png;base64," + s_legend.Value + "\"/><figcaption>" +
        WebUtility.HtmlEncode(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"rim = {f.MaxMagnitude:0.###} px")) + "</figcaption></figure></div>";
}
