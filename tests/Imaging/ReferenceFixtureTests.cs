using DistillKit.Tests.Support;
using System.Text.Json;
using DistillKit.Imaging;
using Xunit;

namespace DistillKit.Tests.Imaging;

/// <summary>A fact that is skipped, with the reason, when Debian's /usr/bin/python3 cannot import PIL.</summary>
public sealed class PillowFactAttribute : FactAttribute
{
    static readonly Lazy<string?> s_missing = new(() =>
    {
        if (!File.Exists("/usr/bin/python3")) return "/usr/bin/python3 is missing (install Debian's python3 and python3-pil)";
        var (code, output) = RepoPaths.Run("/usr/bin/python3", ["-c", "import PIL"]);
        return code == 0 ? null : "/usr/bin/python3 cannot import PIL (install Debian's python3-pil): " + output.Trim();
    });

    public PillowFactAttribute()
    {
        if (s_missing.Value is { } reason) Skip = reason;
    }
}

/// <summary>Runs tests/reference/make_image_fixtures.py once into a temp folder.</summary>
public sealed class ImageFixtures : IDisposable
{
    readonly TempFolder _dir = new();
    readonly Lazy<JsonElement> _expected;

    public ImageFixtures()
    {
        _expected = new(() =>
        {
            var script = RepoPaths.Under("tests", "reference", "make_image_fixtures.py");
            var (code, output) = RepoPaths.Run("/usr/bin/python3", [script, _dir.Path]);
            if (code != 0) throw new InvalidOperationException($"{script} failed ({code}): {output}");
            return JsonDocument.Parse(System.IO.File.ReadAllText(_dir.File("expected.json"))).RootElement;
        });
    }

    public string File(string name) { _ = _expected.Value; return _dir.File(name); }

    public JsonElement Expected(string name) => _expected.Value.GetProperty(name);

    public void Dispose() => _dir.Dispose();
}

public class ReferenceFixtureTests(ImageFixtures fixtures) : IClassFixture<ImageFixtures>
{
    static int[] Ints(JsonElement e, string property) => e.GetProperty(property).EnumerateArray().Select(x => x.GetInt32()).ToArray();

    void AssertDecodesExactly(string name, PngColorType fileType, bool interlaced)
    {
        var path = fixtures.File(name);
        var img = Png.Read(path, out var header);
        var exp = fixtures.Expected(name);
        Assert.Equal(exp.GetProperty("width").GetInt32(), img.Width);
        Assert.Equal(exp.GetProperty("height").GetInt32(), img.Height);
        Assert.Equal(exp.GetProperty("channels").GetInt32(), img.Channels);
        Assert.Equal(exp.GetProperty("depth").GetInt32(), img.BitDepth);
        Assert.Equal(fileType, header.ColorType);
        Assert.Equal(interlaced, header.Interlaced);
        var want = Ints(exp, "pixels");
        var got = Enumerable.Range(0, want.Length).Select(i => img.Sample(i)).ToArray();
        Assert.Equal(want, got);
    }

    [PillowFact] public void Rgb8() => AssertDecodesExactly("rgb8.png", PngColorType.Rgb, false);
    [PillowFact] public void Rgba8() => AssertDecodesExactly("rgba8.png", PngColorType.Rgba, false);
    [PillowFact] public void GrayAlpha8() => AssertDecodesExactly("gray_alpha8.png", PngColorType.GrayAlpha, false);
    [PillowFact] public void Gray16() => AssertDecodesExactly("gray16.png", PngColorType.Gray, false);
    [PillowFact] public void Palette2BitExpandsToRgb() => AssertDecodesExactly("palette.png", PngColorType.Palette, false);
    [PillowFact] public void InterlacedAdam7() => AssertDecodesExactly("interlaced_rgb8.png", PngColorType.Rgb, true);

    [PillowFact]
    public void JpegMatchesPillowAndIsCloseToTheSource()
    {
        foreach (var name in new[] { "smooth.jpg", "gray.jpg" })
        {
            var img = ImageIO.Read(fixtures.File(name));
            var exp = fixtures.Expected(name);
            Assert.Equal(exp.GetProperty("channels").GetInt32(), img.Channels);
            var source = Ints(exp, "pixels");
            var pil = Ints(exp, "pil_decoded");
            Assert.Equal(source.Length, img.Pixels8!.Length);
            int maxVsPil = 0;
            double meanVsSource = 0;
            for (int i = 0; i < source.Length; i++)
            {
                maxVsPil = Math.Max(maxVsPil, Math.Abs(img.Pixels8[i] - pil[i]));
                meanVsSource += Math.Abs(img.Pixels8[i] - source[i]) / (double)source.Length;
            }
            Assert.True(maxVsPil <= 1, $"{name}: differs from Pillow's decoding by up to {maxVsPil}");
            Assert.True(meanVsSource < 2.5, $"{name}: mean error {meanVsSource} against the encoded pixels");
        }
    }
}
