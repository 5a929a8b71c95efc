using System.Text.Json;
using DistillKit.Tests.Support;
using DistillKit.Torch;
using Xunit;

namespace DistillKit.Tests.Torch;

public class SerializationTests
{
    static OrderedDictionary<string, Tensor> Sample() => new()
    {
        ["a.weight"] = torch.arange(0, 24, dtype: ScalarType.Float32).view(2, 3, 4),
        ["a.bias"] = torch.tensor(new[] { 1.5f, -2f }),
        ["count"] = torch.tensor(7, ScalarType.Int64),
        ["mask"] = torch.from_array(new[] { true, false, true }),
        ["d"] = torch.from_array(new[] { 1.0, 2.0 }),
        ["b"] = torch.from_array(new byte[] { 1, 255 }),
    };

    static void AssertSame(IReadOnlyDictionary<string, Tensor> a, IReadOnlyDictionary<string, Tensor> b)
    {
        Assert.Equal(a.Keys, b.Keys);
        foreach (var (k, t) in a)
        {
            Assert.Equal(t.dtype, b[k].dtype);
            Assert.Equal(t.shape, b[k].shape);
            Assert.True(t.eq(b[k]).all().item<bool>(), k);
        }
    }

    static string Temp(string ext) => Path.Combine(Path.GetTempPath(), $"dk-{Guid.NewGuid():N}{ext}");

    [Theory]
    [InlineData(".safetensors")]
    [InlineData(".dat")]
    [InlineData(".pth")]
    public void RoundTripKeepsNamesDtypesShapesValues(string ext)
    {
        var path = Temp(ext);
        var sd = Sample();
        Serialization.Save(sd, path);
        AssertSame(sd, Serialization.Load(path));
        File.Delete(path);
    }

    [Theory]
    [InlineData(".safetensors")]
    [InlineData(".pth")]
    public void PythonReadsWhatTheKitWrites(string ext)
    {
        var path = Temp(ext);
        Serialization.Save(Sample(), path);
        var json = ReferenceScripts.Run(Path.Combine(ReferenceScripts.RepoRoot, "tests", "reference", "check_saved.py"), path);
        var doc = JsonDocument.Parse(json).RootElement;
        Assert.Equal(276.0, doc.GetProperty("a.weight").GetProperty("sum").GetDouble()); // 0+…+23
        Assert.Equal(new[] { 2, 3, 4 }, doc.GetProperty("a.weight").GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal(7.0, doc.GetProperty("count").GetProperty("sum").GetDouble());
        Assert.Equal(2.0, doc.GetProperty("mask").GetProperty("sum").GetDouble());
        File.Delete(path);
    }

    [Fact]
    public void DatLayoutIsTorchSharps()
    {
        var path = Temp(".dat");
        Serialization.SaveDat(new Dictionary<string, Tensor> { ["w"] = torch.tensor(new[] { 1f, 2f }) }, path);
        var bytes = File.ReadAllBytes(path);
        // count 1; key "w" (len 1); dtype 6 (f32); rank 1; dim 2; then 8 raw bytes
        Assert.Equal(new byte[] { 1, 1, (byte)'w', 6, 1, 2 }, bytes[..6]);
        Assert.Equal(BitConverter.GetBytes(1f).Concat(BitConverter.GetBytes(2f)), bytes[6..]);
        File.Delete(path);
    }

    [Fact]
    public void SafetensorsMetadataRoundTrips()
    {
        var path = Temp(".safetensors");
        Serialization.SaveSafetensors(Sample(), path, new Dictionary<string, string> { ["config"] = "{\"preset\":\"smoke\"}" });
        Assert.Equal("{\"preset\":\"smoke\"}", Serialization.ReadSafetensorsMetadata(path)["config"]);
        File.Delete(path);
    }

    [Theory]
    [InlineData(".safetensors")]
    [InlineData(".dat")]
    [InlineData(".pth")]
    public void TruncatedFileGivesAClearError(string ext)
    {
        var path = Temp(ext);
        Serialization.Save(Sample(), path);
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
        var e = Assert.Throws<InvalidDataException>(() => Serialization.Load(path));
        Assert.Contains(path, e.Message);
        File.Delete(path);
    }

    [Fact]
    public void GarbageAndMissingFilesGiveClearErrors()
    {
        var path = Temp(".safetensors");
        File.WriteAllText(path, "this is not a tensor file at all");
        Assert.Contains(path, Assert.Throws<InvalidDataException>(() => Serialization.Load(path)).Message);
        Assert.Throws<FileNotFoundException>(() => Serialization.Load(Temp(".pth")));
        Assert.Throws<ArgumentException>(() => Serialization.Load("weights.bin"));
        File.Delete(path);
    }
}
