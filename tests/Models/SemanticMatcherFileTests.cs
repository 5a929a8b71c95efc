using System.Text.Json;
using System.Text.Json.Nodes;
using DistillKit.Models;
using DistillKit.Models.Backbones;
using DistillKit.Models.Pmd;
using DistillKit.Models.Pwc;
using DistillKit.Tests.Support;
using DistillKit.Training;
using DistillKit.Weights;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using Xunit;

namespace DistillKit.Tests.Models;

public class SemanticMatcherFileTests
{
    /// <summary>Channels 16/24 on an 8×8 grid: a head of a few kilobytes.</summary>
    static readonly PmdConfig Tiny = PmdConfig.Mini with { Layer3Channels = 16, Layer4Channels = 24, Hypotheses = 3 };

    static ResNetFeatures Features(PmdConfig c, Generator g) => new(
        torch.randn([1, c.Layer3Channels, c.GridSize, c.GridSize], generator: g).relu(),
        torch.randn([1, c.Layer4Channels, c.Layer4Size, c.Layer4Size], generator: g).relu());

    /// <summary>Batch-norm statistics away from 0/1, so that a file without them would show.</summary>
    static void PerturbBatchNorms(nn.Module net)
    {
        using var g = new Generator(7);
        using var noGrad = torch.no_grad();
        foreach (var (_, m) in net.named_modules())
            if (m is BatchNorm2d bn)
            {
                bn.running_mean!.copy_(torch.randn(bn.running_mean.shape, generator: g).mul(0.1));
                bn.running_var!.copy_(torch.rand(bn.running_var.shape, generator: g).add(0.5));
            }
    }

    static ISemanticMatcher Saved(string path, bool teacher, long seed = 3)
    {
        ISemanticMatcher m = teacher ? new PmdTeacher(Tiny, seed) : new PmdStudent(Tiny, seed);
        PerturbBatchNorms(m.AsModule);
        m.SetEval();
        SemanticMatcherFile.Save(path, m, step: 1234, seed: 42, """{"Run":{"Seed":42}}""");
        return m;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void AStudentAndATeacherComeBackWithTheirConfigWeightsAndOutputs(bool teacher)
    {
        using var dir = new TempFolder();
        var path = dir.File("m.safetensors");
        using var original = Saved(path, teacher);
        Assert.Equal(teacher ? SemanticMatcherFile.TeacherKind : SemanticMatcherFile.StudentKind, SemanticMatcherFile.KindOf(path));
        var meta = Checkpoint.ReadMetadata(path);
        Assert.Equal("1234", meta["step"]);
        Assert.Equal("42", meta["seed"]);
        Assert.Equal(42, JsonNode.Parse(meta["config"])!["Run"]!["Seed"]!.GetValue<int>());
        Assert.Equal(Tiny, SemanticMatcherFile.ConfigOf(path));
        // the head only: no backbone key in the file
        var keys = WeightFiles.Read(path);
        Assert.DoesNotContain(keys.Keys, k => k.StartsWith("layer") || k.StartsWith("conv1") || k.StartsWith("fc."));
        Assert.Equal(original.AsModule.state_dict().Keys.OrderBy(k => k), keys.Keys.OrderBy(k => k));
        foreach (var t in keys.Values) t.Dispose();

        using var loaded = SemanticMatcherFile.Load(path);
        Assert.IsType(teacher ? typeof(PmdTeacher) : typeof(PmdStudent), loaded);
        Assert.Equal(Tiny, loaded.Config);
        Assert.False(loaded.AsModule.training);
        using var g = new Generator(11);
        using var fs = Features(Tiny, g);
        using var ft = Features(Tiny, g);
        using var a = original.Match(fs, ft);
        using var b = loaded.Match(fs, ft);
        Assert.True(a.Target.eq(b.Target).all().item<bool>(), "the loaded matcher's matches differ from the saved one's");
        // a differently seeded matcher does differ: the comparison can fail
        using var other = teacher ? (ISemanticMatcher)new PmdTeacher(Tiny, 99) : new PmdStudent(Tiny, 99);
        other.SetEval();
        using var c = other.Match(fs, ft);
        Assert.False(a.Target.allclose(c.Target, 1e-4, 1e-5));
    }

    [Fact]
    public void AMissingFileIsNamed()
    {
        var e = Assert.Throws<FileNotFoundException>(() => SemanticMatcherFile.Load("/nonexistent/m.safetensors"));
        Assert.Contains("/nonexistent/m.safetensors", e.Message);
    }

    [Fact]
    public void AFlowModelIsRefusedWithItsKindAndTheCommandThatTakesIt()
    {
        using var dir = new TempFolder();
        var path = dir.File("step-00000010.safetensors");
        using (var pwc = new PwcNet(PwcNetConfig.Smoke))
            Checkpoint.Save(path, pwc, null, 10, 1, JsonSerializer.Serialize(new { Model = PwcNetConfig.Smoke }, Json.Options));
        Assert.Equal("flow:PwcNet", SemanticMatcherFile.KindOf(path));
        var e = Assert.Throws<InvalidDataException>(() => SemanticMatcherFile.Load(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("PwcNet", e.Message);
        Assert.Contains("./kit flow", e.Message);

        // and the other way round: the flow loader names the matcher and ./kit match
        var matcher = dir.File("student.safetensors");
        Saved(matcher, teacher: false).Dispose();
        var f = Assert.Throws<InvalidDataException>(() => FlowModels.Load(matcher));
        Assert.Contains(matcher, f.Message);
        Assert.Contains("pmd-student", f.Message);
        Assert.Contains("./kit match", f.Message);
    }

    [Fact]
    public void AWeightFileWithoutMetadataIsNotTakenForAMatcher()
    {
        using var dir = new TempFolder();
        var path = dir.File("bare.safetensors");
        using (var s = new PmdStudent(Tiny)) WeightFiles.Save(s, path);
        var e = Assert.Throws<InvalidDataException>(() => SemanticMatcherFile.Load(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("not a model file of this kit", e.Message);
    }

    [Fact]
    public void TruncatedChangedOrUnreadableFilesAreReportedAsDamaged()
    {
        using var dir = new TempFolder();
        var path = dir.File("m.safetensors");
        Saved(path, teacher: false).Dispose();
        var bytes = File.ReadAllBytes(path);

        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
        var e = Assert.Throws<InvalidDataException>(() => SemanticMatcherFile.Load(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("damaged", e.Message);
        Assert.Contains("truncated", e.Message);

        var changed = (byte[])bytes.Clone();
        changed[^5] ^= 0x40;
        File.WriteAllBytes(path, changed);
        e = Assert.Throws<InvalidDataException>(() => SemanticMatcherFile.Load(path));
        Assert.Contains("damaged", e.Message);
        Assert.Contains("SHA-256", e.Message);

        File.WriteAllBytes(path, bytes);
        var metaPath = Checkpoint.MetadataPath(path);
        var meta = File.ReadAllText(metaPath);
        File.WriteAllText(metaPath, meta[..(meta.Length / 2)]);
        e = Assert.Throws<InvalidDataException>(() => SemanticMatcherFile.Load(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("metadata", e.Message);
        Assert.Contains("unreadable", e.Message);
    }

    [Fact]
    public void WeightsThatDoNotFitTheStoredConfigAreNamed()
    {
        using var dir = new TempFolder();
        var path = dir.File("m.safetensors");
        Saved(path, teacher: false).Dispose();
        var metaPath = Checkpoint.MetadataPath(path);
        var original = File.ReadAllText(metaPath);
        void Edit(string key, string value)
        {
            var meta = JsonSerializer.Deserialize<Dictionary<string, string>>(original)!;
            meta[key] = value;
            File.WriteAllText(metaPath, JsonSerializer.Serialize(meta));
        }

        Edit(SemanticMatcherFile.ModelKey, JsonSerializer.Serialize(Tiny with { Layer3Channels = 32 }, Json.Compact));
        var e = Assert.Throws<InvalidDataException>(() => SemanticMatcherFile.Load(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("shape mismatches", e.Message);
        Assert.Contains("\"Layer3Channels\":32", e.Message);

        Edit(SemanticMatcherFile.KindKey, SemanticMatcherFile.TeacherKind); // a student's weights lack the scale conv
        e = Assert.Throws<InvalidDataException>(() => SemanticMatcherFile.Load(path));
        Assert.Contains("missing keys: attention.scale", e.Message);

        Edit(SemanticMatcherFile.ModelKey, JsonSerializer.Serialize(Tiny with { InputSize = 100 }, Json.Compact));
        e = Assert.Throws<InvalidDataException>(() => SemanticMatcherFile.Load(path));
        Assert.Contains("PmdConfig is not valid", e.Message);
        Assert.Contains("multiple of 32", e.Message);

        Edit(SemanticMatcherFile.KindKey, "pmd-something");
        e = Assert.Throws<InvalidDataException>(() => SemanticMatcherFile.Load(path));
        Assert.Contains("pmd-something", e.Message);
    }

    [Fact]
    public void SaveRefusesAnotherExtensionAndAConfigThatIsNotJson()
    {
        using var dir = new TempFolder();
        using var s = new PmdStudent(Tiny);
        Assert.Throws<ArgumentException>(() => SemanticMatcherFile.Save(dir.File("m.json"), s, 0, 0, "{}"));
        Assert.Throws<ArgumentException>(() => SemanticMatcherFile.Save(dir.File("m.safetensors"), s, 0, 0, "{not json"));
        Assert.False(File.Exists(dir.File("m.safetensors")));
        // extra checkpoint metadata may not replace the checkpoint's own keys
        var e = Assert.Throws<ArgumentException>(() => Checkpoint.Save(dir.File("c.safetensors"), s, null, 0, 0, "{}", new Dictionary<string, string> { ["step"] = "9" }));
        Assert.Contains("'step'", e.Message);
    }
}
