using DistillKit.Models.Pmd;
using DistillKit.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;
using Xunit;
using Xunit.Abstractions;

namespace DistillKit.Tests.Models;

public class PmdFeatureCacheTests(ITestOutputHelper output)
{
    /// <summary>
    /// Cached features (memory and disk, served in batches that mix cached and new images) equal the backbone's own
    /// features of the whole batch. They are computed in other batch compositions, so equal means within float32
    /// rounding of the convolutions' reductions (1e-5 of the features' scale), not bitwise.
    /// </summary>
    [Theory]
    [InlineData(FeatureCacheMode.Memory)]
    [InlineData(FeatureCacheMode.Disk)]
    [InlineData(FeatureCacheMode.None)]
    public void CachedFeaturesEqualTheBackbonesFeatures(FeatureCacheMode mode)
    {
        using var dir = new TempFolder();
        using var backbone = PmdBackbone.Untrained(PmdConfig.Smoke, seed: 3);
        using var g = new Generator(11);
        using var images = torch.rand([6, 3, 64, 64], generator: g);
        string[] keys = ["a", "b", "c", "d", "e", "f"];
        using var cache = new PmdFeatureCache(backbone, mode, dir.File("cache"));
        int calls = 0;
        Func<IReadOnlyList<int>, Tensor> Render(int[] rows) => missing =>
        {
            calls++;
            return images.index_select(0, torch.tensor(missing.Select(m => (long)rows[m]).ToArray()));
        };
        int[] first = [0, 2, 3], second = [5, 2, 0, 1, 4, 3];
        using (cache.Features(first.Select(i => keys[i]).ToArray(), Render(first))) { }
        using var cached = cache.Features(second.Select(i => keys[i]).ToArray(), Render(second));
        using var order = torch.tensor(second.Select(i => (long)i).ToArray());
        using var direct = backbone.Features(images.index_select(0, order));
        double scale = direct.Layer3.abs().max().ToDouble();
        double d3 = cached.Layer3.sub(direct.Layer3).abs().max().ToDouble(), d4 = cached.Layer4.sub(direct.Layer4).abs().max().ToDouble();
        output.WriteLine($"{mode}: max |cached − direct| layer3 {d3:E2}, layer4 {d4:E2} (feature scale {scale:F2}); hits {cache.Hits}, computed {cache.Misses}");
        Assert.True(d3 <= 1e-5 * scale && d4 <= 1e-5 * scale, $"{mode}: cached features differ by {d3:E2} / {d4:E2}");
        Assert.Equal(direct.Layer3.shape, cached.Layer3.shape);
        Assert.Equal(direct.Layer4.shape, cached.Layer4.shape);
        if (mode == FeatureCacheMode.None)
        {
            Assert.Equal((0L, 9L), (cache.Hits, cache.Misses));
            return;
        }
        Assert.Equal((3L, 6L), (cache.Hits, cache.Misses));       // the second batch computed only its 3 new images
        Assert.Equal(2, calls);
        // a second call serves everything from the cache and never renders
        using (cache.Features(keys, _ => throw new InvalidOperationException("rendered a cached image"))) { }
        if (mode == FeatureCacheMode.Disk)
        {
            // a new cache on the same folder reads the files; a damaged file is computed again
            var files = Directory.GetFiles(dir.File("cache"));
            Assert.Equal(6, files.Length);
            File.WriteAllBytes(files[0], File.ReadAllBytes(files[0])[..100]);
            using var reopened = new PmdFeatureCache(backbone, mode, dir.File("cache"));
            using var again = reopened.Features(second.Select(i => keys[i]).ToArray(), Render(second));
            Assert.Equal((5L, 1L), (reopened.Hits, reopened.Misses));
            Assert.True(again.Layer3.sub(direct.Layer3).abs().max().ToDouble() <= 1e-5 * scale);
        }
    }
}
