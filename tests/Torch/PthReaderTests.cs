using System.Collections;
using System.IO.Compression;
using System.Text.Json;
using DistillKit.Tests.Support;
using DistillKit.Torch;
using Xunit;

namespace DistillKit.Tests.Torch;

/// <summary>The managed torch.save reader against files written by Python (tests/reference/make_pth_fixtures.py).</summary>
public class PthReaderTests
{
    internal static string Fixture(string name) => Path.Combine(ReferenceScripts.Golden("pth", "make_pth_fixtures.py"), name);

    static JsonElement Expected(string group) =>
        JsonDocument.Parse(File.ReadAllText(Fixture("expected.json"))).RootElement.GetProperty(group);

    static readonly Dictionary<string, ScalarType> Dtypes = new()
    {
        ["float32"] = ScalarType.Float32, ["float64"] = ScalarType.Float64, ["float16"] = ScalarType.Float16,
        ["bfloat16"] = ScalarType.BFloat16, ["int64"] = ScalarType.Int64, ["int32"] = ScalarType.Int32,
        ["int8"] = ScalarType.Int8, ["uint8"] = ScalarType.Byte, ["bool"] = ScalarType.Bool,
    };

    static double[] Values(Tensor t)
    {
        using var d = t.to_type(ScalarType.Float64);
        return d.data<double>();
    }

    /// <summary>Same dtype, shape and (exactly, as every dtype converts to float64 without loss) the same values.</summary>
    static void AssertLike(JsonElement e, Tensor t, string key)
    {
        Assert.True(Dtypes[e.GetProperty("dtype").GetString()!] == t.dtype, $"{key}: dtype {t.dtype}");
        Assert.Equal(e.GetProperty("shape").EnumerateArray().Select(x => x.GetInt64()), t.shape);
        Assert.Equal(e.GetProperty("values").EnumerateArray().Select(x => x.GetDouble()), Values(t));
        Assert.True(t.is_contiguous(), key);
    }

    static string Temp() => Path.Combine(Path.GetTempPath(), $"dk-pth-{Guid.NewGuid():N}.pth");

    /// <summary>A zip archive holding the given entries (name → bytes), as torch.save lays them out.</summary>
    internal static string Zip(params (string Name, byte[] Bytes)[] entries)
    {
        var path = Temp();
        using var zip = ZipFile.Open(path, ZipArchiveMode.Create);
        foreach (var (name, bytes) in entries)
        {
            using var s = zip.CreateEntry(name, CompressionLevel.NoCompression).Open();
            s.Write(bytes);
        }
        return path;
    }

    [Fact]
    public void RealStateDictLoadsWithPythonsKeysDtypesAndValues()
    {
        var expected = Expected("state_dict");
        var sd = Serialization.LoadPth(Fixture("state_dict.pth"));
        Assert.Equal(expected.EnumerateObject().Select(p => p.Name), sd.Keys); // OrderedDict order, _metadata dropped
        foreach (var p in expected.EnumerateObject()) AssertLike(p.Value, sd[p.Name], p.Name);
        Assert.Equal(ScalarType.Int64, sd["1.num_batches_tracked"].dtype);
        Assert.Equal(2L, sd["1.num_batches_tracked"].item<long>()); // two training steps in the script
        foreach (var t in sd.Values) t.Dispose();
    }

    [Fact]
    public void NestedCheckpointIsFlattenedWithDottedKeysAndNonTensorsSkipped()
    {
        var expected = Expected("state_dict");
        var sd = Serialization.LoadPth(Fixture("checkpoint.pth"));
        Assert.Equal(expected.EnumerateObject().Select(p => "model." + p.Name), sd.Keys); // no epoch, lr, name, ...
        foreach (var p in expected.EnumerateObject()) AssertLike(p.Value, sd["model." + p.Name], p.Name);
        foreach (var t in sd.Values) t.Dispose();
    }

    [Fact]
    public void LoadPthObjectKeepsNumbersStringsListsTuplesAndNesting()
    {
        var root = Assert.IsAssignableFrom<IDictionary<object, object?>>(Serialization.LoadPthObject(Fixture("checkpoint.pth")));
        Assert.Equal(new object[] { "model", "epoch", "lr", "name", "history", "flags", "big", "neg", "steps" }, root.Keys);
        Assert.Equal(3L, root["epoch"]);
        Assert.Equal(0.1, root["lr"]);
        Assert.Equal("x", root["name"]);
        Assert.Equal(new List<object?> { 1.5, 2.5 }, root["history"]);
        Assert.Equal(new object?[] { true, null }, root["flags"]);
        Assert.Equal(1L << 40, root["big"]);
        Assert.Equal(-5L, root["neg"]);
        Assert.Equal(7L, Assert.IsAssignableFrom<IDictionary<object, object?>>(root["steps"])[0L]); // int keys stay ints
        var model = Assert.IsAssignableFrom<IDictionary<object, object?>>(root["model"]);
        Assert.Equal(7, model.Count);
        Assert.All(model.Values, v => Assert.IsType<Tensor>(v));
        foreach (var v in model.Values) ((Tensor)v!).Dispose();
    }

    [Fact]
    public void StridedViewsAreMaterialisedInRowMajorOrder()
    {
        var views = Serialization.LoadPth(Fixture("views.pth"));
        // base = arange(12).view(3, 4): hand-computed views of it
        Assert.Equal(new double[] { 0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11 }, Values(views["t"]));
        Assert.Equal(new long[] { 4, 3 }, views["t"].shape);
        Assert.Equal(new double[] { 5, 6, 9, 10 }, Values(views["s"]));
        Assert.Equal(new double[] { 1, 5, 9 }, Values(views["col"]));
        Assert.Equal(new double[] { 8, 9, 10, 11 }, Values(views["row"]));
        foreach (var p in Expected("views").EnumerateObject()) AssertLike(p.Value, views[p.Name], p.Name);
        foreach (var t in views.Values) t.Dispose();
    }

    [Fact]
    public void OneTensorSavedUnderTwoNamesGetsTwoHandles()
    {
        var views = Serialization.LoadPth(Fixture("views.pth"));
        Assert.NotSame(views["base"], views["again"]);
        views["base"].Dispose();
        Assert.Equal(66.0, views["again"].sum().ToDouble()); // 0 + … + 11, still alive
        foreach (var t in views.Values) t.Dispose();
    }

    [Fact]
    public void EveryStorageDtypeLoads()
    {
        var tensors = Serialization.LoadPth(Fixture("dtypes.pth"));
        foreach (var p in Expected("dtypes").EnumerateObject()) AssertLike(p.Value, tensors[p.Name], p.Name);
        Assert.Equal(new[] { 1.25, -2.5, 1e300 }, Values(tensors["f64"]));
        Assert.Equal(new[] { 0.5, -1.5, 65504.0 }, Values(tensors["f16"]));
        Assert.Equal(new[] { 1.0, -3.0, 0.015625 }, Values(tensors["bf16"]));
        Assert.Equal(new[] { true, false, true, true }, tensors["bool"].data<bool>());
        Assert.Equal(new byte[] { 0, 7, 255 }, tensors["u8"].data<byte>());
        Assert.Empty(tensors["scalar"].shape);
        Assert.Equal(2.5, tensors["scalar"].ToDouble());
        Assert.Equal(new long[] { 0, 3 }, tensors["empty"].shape);
        foreach (var t in tensors.Values) t.Dispose();
    }

    [Fact]
    public void ParameterKeepsRequiresGrad()
    {
        var sd = Serialization.LoadPth(Fixture("param.pth"));
        Assert.True(sd["w"].requires_grad);
        Assert.Equal(new double[] { 1, 2, 3, 4 }, Values(sd["w"].detach()));
        sd["w"].Dispose();
    }

    [Fact]
    public void HandWrittenPickleBuildsPlainValues()
    {
        byte[] pickle =
        [
            0x80, 2, (byte)']', (byte)'(',             // PROTO 2, EMPTY_LIST, MARK
            (byte)'J', 0xff, 0xff, 0xff, 0xff,         // BININT -1
            (byte)'M', 0x34, 0x12,                     // BININT2 0x1234 = 4660
            0x8a, 2, 0x00, 0x80,                       // LONG1 0x8000 as two's complement = -32768
            (byte)'G', 0x3f, 0xf8, 0, 0, 0, 0, 0, 0,   // BINFLOAT 1.5 (big-endian)
            0x8c, 2, 0xc3, 0xa9,                       // SHORT_BINUNICODE "é"
            (byte)'N', 0x88,                           // NONE, NEWTRUE
            (byte)'e', (byte)'.',                      // APPENDS, STOP
        ];
        var path = Zip(("archive/data.pkl", pickle), ("archive/version", "3\n"u8.ToArray()));
        Assert.Equal(new List<object?> { -1L, 4660L, -32768L, 1.5, "é", null, true }, Serialization.LoadPthObject(path));
        var e = Assert.Throws<InvalidDataException>(() => Serialization.LoadPth(path));
        Assert.Contains("a list, not a dict of tensors", e.Message);
        File.Delete(path);
    }

    [Fact]
    public void TruncatedArchiveIsRejectedWithTheFileName()
    {
        var path = Temp();
        var bytes = File.ReadAllBytes(Fixture("state_dict.pth"));
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
        var e = Assert.Throws<InvalidDataException>(() => Serialization.LoadPth(path));
        Assert.StartsWith(path + ": corrupt or truncated zip archive", e.Message);
        File.Delete(path);
    }

    [Fact]
    public void GarbageIsNotAZipArchive()
    {
        var path = Temp();
        File.WriteAllText(path, "these are not the weights you are looking for");
        var e = Assert.Throws<InvalidDataException>(() => Serialization.LoadPth(path));
        Assert.StartsWith(path + ": not a zip archive", e.Message);
        File.Delete(path);
    }

    [Fact]
    public void LegacyFormatSaysHowToResave()
    {
        var e = Assert.Throws<InvalidDataException>(() => Serialization.LoadPth(Fixture("legacy.pth")));
        Assert.Contains("legacy.pth: legacy torch.save format", e.Message);
        Assert.Contains("_use_new_zipfile_serialization=True", e.Message);
    }

    /// <summary>state_dict.pth rewritten without its storage data/1 (0.bias): 0.weight is rebuilt before the error.</summary>
    internal static string WithoutStorage1()
    {
        using var source = ZipFile.OpenRead(Fixture("state_dict.pth"));
        return Zip(source.Entries.Where(x => !x.FullName.EndsWith("/data/1")).Select(x =>
        {
            using var s = x.Open();
            var m = new MemoryStream();
            s.CopyTo(m);
            return (x.FullName, m.ToArray());
        }).ToArray());
    }

    [Fact]
    public void MissingStorageEntryIsNamed()
    {
        var path = WithoutStorage1();
        var e = Assert.Throws<InvalidDataException>(() => Serialization.LoadPth(path));
        Assert.Contains(path + ": storage 1 (zip entry state_dict/data/1) is missing", e.Message);
        File.Delete(path);
    }

    [Fact]
    public void UnknownOpcodeIsNamed()
    {
        var path = Zip(("archive/data.pkl", [0x80, 2, (byte)'}', 0xff]));
        var e = Assert.Throws<InvalidDataException>(() => Serialization.LoadPth(path));
        Assert.Contains(path + ": unknown pickle opcode 0xFF at byte 3", e.Message);
        File.Delete(path);
    }

    [Theory]
    [InlineData("counter.pth", "collections.Counter")]
    [InlineData("custom.pth", "__main__.Foo")]
    public void UnsupportedClassesAreRefusedByName(string file, string cls)
    {
        var e = Assert.Throws<InvalidDataException>(() => Serialization.LoadPth(Fixture(file)));
        Assert.Contains($"{file}: unsupported pickled class {cls}; save a plain state dict", e.Message);
    }
}

/// <summary>Reads the process-wide live tensor count, so it runs with the other LiveCount tests, not in parallel.</summary>
[Collection("Tensor.LiveCount")]
public class PthReaderLeakTests
{
    static long SettledLiveCount()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return Tensor.LiveCount;
    }

    [Fact]
    public void FailedLoadFreesTheTensorsItAlreadyBuilt()
    {
        var path = PthReaderTests.WithoutStorage1();
        long before = SettledLiveCount();
        Assert.Throws<InvalidDataException>(() => Serialization.LoadPth(path));
        Assert.Equal(before, Tensor.LiveCount); // 0.weight was rebuilt, then freed when data/1 was missing
        File.Delete(path);
    }

    [Fact]
    public void TensorsOutsideDictsAreFreedByLoadPth()
    {
        var path = PthReaderTests.Zip(("archive/data.pkl", TensorInAList), ("archive/data/0", new byte[8]));
        long before = SettledLiveCount();
        var sd = Serialization.LoadPth(path);
        Assert.Equal(new[] { "w" }, sd.Keys); // the tensor inside "list" is not returned...
        Assert.Equal(before + 1, Tensor.LiveCount); // ...and not left alive either
        sd["w"].Dispose();
        File.Delete(path);
    }

    // {"w": T, "list": [T']} with T and T' two float32[2] tensors of storage 0, written out by hand
    static readonly byte[] TensorInAList = Build();

    static byte[] Build()
    {
        var rebuild = "ctorch._utils\n_rebuild_tensor_v2\n"u8.ToArray();
        var pid = "((X\u0007\u0000\u0000\u0000storagectorch\nFloatStorage\nX\u0001\u0000\u0000\u00000X\u0003\u0000\u0000\u0000cpuK\u0002tQ"u8.ToArray();
        byte[] tensor = [.. rebuild, .. pid, (byte)'K', 0, (byte)'K', 2, 0x85, (byte)'K', 1, 0x85, 0x89, (byte)'}', (byte)'t', (byte)'R'];
        return [0x80, 2, (byte)'}', (byte)'(', 0x8c, 1, (byte)'w', .. tensor,
                0x8c, 4, (byte)'l', (byte)'i', (byte)'s', (byte)'t', (byte)']', .. tensor, (byte)'a', (byte)'u', (byte)'.'];
    }
}
