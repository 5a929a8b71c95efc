using DistillKit.Data.Synthetic;
using DistillKit.Geometry;
using DistillKit.Imaging;
using DistillKit.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;
using Xunit;

namespace DistillKit.Tests.Data;

/// <summary>Real-texture synthetic pairs: photographs as continuous textures, exact flow, the photo library.</summary>
public class PhotoTextureTests
{
    static PhotoLibrary Library(TempFolder dir, int count = 3)
    {
        var folder = dir.File("photos");
        Directory.CreateDirectory(folder);
        for (int k = 0; k < count; k++)
        {
            using var image = FootageTests.Scene(60, 80, 13 * k, 7 * k, k % 2);
            ImageIO.WriteTensor(Path.Combine(folder, $"p{k}.png"), image);
        }
        return PhotoLibrary.Load(folder, 512, TextWriter.Null);
    }

    [Fact]
    public void APhotoIsReadBilinearlyAndMirroredWithoutSeams()
    {
        var rgb = new byte[3 * 4 * 3];
        for (int i = 0; i < rgb.Length; i++) rgb[i] = (byte)(i * 19 % 256);
        var photo = new Photo("p", 4, 3, rgb);
        photo.Bilinear(1, 2, out var r, out var g, out var b);
        Assert.Equal(rgb[3 * (2 * 4 + 1)] / 255.0, r, 12);
        Assert.Equal(rgb[3 * (2 * 4 + 1) + 2] / 255.0, b, 12);
        photo.Bilinear(1.5, 0, out r, out _, out _);
        Assert.Equal((rgb[3] + rgb[6]) / 2.0 / 255.0, r, 12);
        // mirrored: the same colour at −t and +t, and at (W − 1) + t and (W − 1) − t
        foreach (var t in new[] { 0.3, 1.7, 2.9 })
        {
            photo.Bilinear(-t, 1.2, out var a, out _, out _);
            photo.Bilinear(t, 1.2, out var c, out _, out _);
            Assert.Equal(c, a, 12);
            photo.Bilinear(3 + t, 0.4, out a, out _, out _);
            photo.Bilinear(3 - t, 0.4, out c, out _, out _);
            Assert.Equal(c, a, 12);
        }
    }

    [Fact]
    public void APhotoLayerMovesExactlyWithItsMotion()
    {
        using var dir = new TempFolder();
        var library = Library(dir);
        const int H = 24, W = 32;
        var texture = new PhotoTexture(library[0], 15.5, 11.5, scale: 1.3, angleRad: 0.4, photoX: 30, photoY: 25);
        // background moving by (5, 3); a shape above it moving by (−2.5, 1.25) with its own photo texture
        var shape = new EllipseShape(10, 12, 6, 4, 0.3);
        var shapeTexture = new PhotoTexture(library[1], 10, 12, 0.8, -1.0, 40, 20);
        var scene = new SyntheticScene(H, W, [
            new SceneLayer(null, texture, Affine2.Translation(5, 3)),
            new SceneLayer(shape, shapeTexture, Affine2.Translation(-2.5, 1.25)),
        ]);
        var s = scene.Render();
        int hw = H * W, visible = 0;
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++)
            {
                int i = y * W + x;
                if (s.OccFw[i] != 0) continue;
                double u = s.FlowFw[i], v = s.FlowFw[hw + i];
                Assert.True((u, v) is (5, 3) or (-2.5, 1.25), $"flow ({u}, {v}) at ({x}, {y})");
                // the colour at p in frame 1 is the colour at p + w(p) in frame 2 (read from the scene, not resampled)
                var (r2, g2, b2) = scene.Colour2(x + u, y + v);
                Assert.Equal(s.Image1[i], r2, 6);
                Assert.Equal(s.Image1[hw + i], g2, 6);
                Assert.Equal(s.Image1[2 * hw + i], b2, 6);
                if (u == 5) // integer motion: frame 2 holds the colour at a pixel centre
                    Assert.Equal(s.Image1[i], s.Image2[(y + 3) * W + x + 5], 6);
                visible++;
            }
        Assert.True(visible > hw / 3, $"only {visible} visible pixels");
    }

    [Fact]
    public void RealTextureConfigsNeedPhotosAndAreDeterministic()
    {
        using var dir = new TempFolder();
        var config = SyntheticFlowConfig.Laptop with { Height = 64, Width = 80 };
        Assert.Contains("photographs", Assert.Throws<ArgumentException>(() => new SyntheticFlowGenerator(config, 1)).Message);
        var library = Library(dir);
        var a = new SyntheticFlowGenerator(config, 5, library).GenerateArrays(2);
        var b = new SyntheticFlowGenerator(config, 5, library).GenerateArrays(2);
        Assert.Equal(a.Image1, b.Image1);
        Assert.Equal(a.FlowFw, b.FlowFw);
        Assert.NotEqual(a.Image1, new SyntheticFlowGenerator(config, 5, library).GenerateArrays(3).Image1);
        // procedural-only configs draw exactly what they drew before photos existed
        var mini = new SyntheticFlowGenerator(SyntheticFlowConfig.Mini, 5);
        Assert.Equal(mini.GenerateArrays(1).Image1, new SyntheticFlowGenerator(SyntheticFlowConfig.Mini, 5, library).GenerateArrays(1).Image1);
        // laptop motions are large: mean |w| over 8 samples well above the mini preset's
        double Mean(SyntheticFlowGenerator g) => Enumerable.Range(0, 8).Select(k => g.GenerateArrays(k)).Average(s =>
        {
            int n = s.Height * s.Width;
            return Enumerable.Range(0, n).Average(i => Math.Sqrt(s.FlowFw[i] * s.FlowFw[i] + s.FlowFw[n + i] * s.FlowFw[n + i]));
        });
        double laptop = Mean(new SyntheticFlowGenerator(config, 5, library)), small = Mean(mini);
        Assert.True(laptop > 6 && laptop > 2.5 * small, $"mean |w|: laptop {laptop:F2} px, mini {small:F2} px");
    }

    [Fact]
    public void ThePhotoLibraryLeavesOutBadFilesAndDownscales()
    {
        using var dir = new TempFolder();
        var folder = dir.File("mixed");
        Directory.CreateDirectory(folder);
        using (var big = FootageTests.Scene(100, 160, 0, 0)) ImageIO.WriteTensor(Path.Combine(folder, "a.png"), big);
        File.WriteAllBytes(Path.Combine(folder, "b.jpg"), [0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3]);
        using (var tiny = torch.rand(3, 8, 8)) ImageIO.WriteTensor(Path.Combine(folder, "c.png"), tiny);
        var log = new StringWriter();
        var library = PhotoLibrary.Load(folder, maxSide: 64, log);
        Assert.Equal(1, library.Count);
        Assert.Equal((64, 40), (library[0].Width, library[0].Height));
        Assert.Contains("b.jpg", log.ToString());

        var empty = Directory.CreateDirectory(dir.File("empty")).FullName;
        Assert.Contains(empty, Assert.Throws<InvalidDataException>(() => PhotoLibrary.Load(empty, 64, TextWriter.Null)).Message);
        Assert.Contains("nowhere", Assert.Throws<DirectoryNotFoundException>(() => PhotoLibrary.Load(dir.File("nowhere"))).Message);
    }
}
