using DistillKit.Tests.Support;
using System.IO.Compression;
using DistillKit.Tests.Imaging;
using DistillKit.Tests.Data.RealDatasets.Semantic;
using Xunit;

namespace DistillKit.Tests.Data.RealDatasets;

/// <summary>The download scripts, run offline: syntax, and the unpack/verify path with an archive already in place.</summary>
public class DataScriptsTests
{
    static readonly string[] Scripts = ["get-flyingchairs.sh", "get-sintel.sh", "get-kitti2012.sh", "get-kitti2015.sh",
        "get-pfpascal.sh", "get-pfwillow.sh", "get-spair71k.sh", "get-tss.sh"];

    [Fact]
    public void EveryScriptParsesAndIsStrict()
    {
        foreach (var name in Scripts.Append("common.sh"))
        {
            var path = RepoPaths.Under("data-scripts", name);
            var (code, output) = RepoPaths.Run("bash", ["-n", path]);
            Assert.True(code == 0, $"{name}: {output}");
            if (name != "common.sh") Assert.Contains("set -euo pipefail", File.ReadAllText(path));
        }
        Assert.True(File.Exists(RepoPaths.Under("data-scripts", "README.md")));
    }

    [Fact]
    public void WithoutDestTheScriptsPrintTheirUsage()
    {
        foreach (var name in Scripts)
        {
            var (code, output) = RepoPaths.Run("bash", [RepoPaths.Under("data-scripts", name)]);
            Assert.NotEqual(0, code);
            Assert.Contains("usage:", output);
        }
    }

    [Fact]
    public void KittiScriptUnpacksAPresentArchiveOnceAndRejectsWrongCounts()
    {
        // a 2-pair stand-in for data_scene_flow.zip, already "downloaded": nothing is fetched
        using var dir = new TempFolder();
        var src = Path.Combine(dir.Path, "src");
        KittiTests.Build(src, DistillKit.Data.Flow.KittiVersion.Kitti2015);
        Directory.CreateDirectory(Path.Combine(dir.Path, "dest", "archives"));
        ZipFile.CreateFromDirectory(src, Path.Combine(dir.Path, "dest", "archives", "data_scene_flow.zip"));
        var script = RepoPaths.Under("data-scripts", "get-kitti2015.sh");

        var (code, output) = RepoPaths.Run("bash", [script, Path.Combine(dir.Path, "dest")]);
        Assert.NotEqual(0, code);
        if (RepoPaths.Run("bash", ["-c", "command -v unzip"]).Code != 0)
        {
            // environment/setup.sh does not install unzip: the script must say so before touching anything
            Assert.Contains("'unzip' is not installed", output);
            return;
        }
        Assert.Contains("already downloaded", output);
        Assert.Contains("no published SHA-256", output);
        Assert.Contains("expected 200 files named '*_10.png', found 2", output);
        Assert.True(File.Exists(Path.Combine(dir.Path, "dest", "training", "flow_occ", "000001_10.png")));

        (code, output) = RepoPaths.Run("bash", [script, Path.Combine(dir.Path, "dest")]);
        Assert.NotEqual(0, code);
        Assert.Contains("already unpacked", output);
    }

    [Theory]
    [InlineData("get-pfpascal.sh", "PF-dataset-PASCAL.zip")]
    [InlineData("get-pfwillow.sh", "PF-dataset.zip")]
    [InlineData("get-spair71k.sh", "SPair-71k.tar.gz")]
    [InlineData("get-tss.sh", "TSS_CVPR2016.zip")]
    public void SemanticScriptsSayWhatToFetchAndWhereWhenTheArchiveIsMissing(string script, string archive)
    {
        using var dir = new TempFolder();
        var (code, output) = RepoPaths.Run("bash", [RepoPaths.Under("data-scripts", script), dir.Path]);
        Assert.NotEqual(0, code);
        if (output.Contains("is not installed")) return; // unzip absent: the script says so before anything else
        Assert.Contains($"missing: {Path.Combine(dir.Path, "archives", archive)}", output);
        Assert.Contains("Fetch by hand", output);
        Assert.Contains("not verified offline", output);
        Assert.Contains($"put the archive at {Path.Combine(dir.Path, "archives", archive)}", output);
    }

    [Fact]
    public void SpairScriptUnpacksAPlacedArchiveAndChecksTheSplitCounts()
    {
        using var dir = new TempFolder();
        var src = Path.Combine(dir.Path, "src");
        SemanticFixtures.BuildSpair(src);
        var dest = Path.Combine(dir.Path, "dest");
        Directory.CreateDirectory(Path.Combine(dest, "archives"));
        var (tarCode, tarOutput) = RepoPaths.Run("tar", ["-czf", Path.Combine(dest, "archives", "SPair-71k.tar.gz"), "-C", src, "SPair-71k"]);
        Assert.True(tarCode == 0, tarOutput);
        var (code, output) = RepoPaths.Run("bash", [RepoPaths.Under("data-scripts", "get-spair71k.sh"), dest]);
        Assert.NotEqual(0, code);
        Assert.Contains($"found: {Path.Combine(dest, "archives", "SPair-71k.tar.gz")}", output);
        Assert.Contains("no SHA-256 is pinned", output);
        Assert.Contains("expected 53340 files named '*.json', found 1", output);
        Assert.True(File.Exists(Path.Combine(dest, "SPair-71k", "Layout", "large", "test.txt")));
        (_, output) = RepoPaths.Run("bash", [RepoPaths.Under("data-scripts", "get-spair71k.sh"), dest]);
        Assert.Contains("already unpacked", output);
    }

    [Fact]
    public void PascalAndTssScriptsCheckWhatTheyUnpacked()
    {
        if (RepoPaths.Run("bash", ["-c", "command -v unzip"]).Code != 0) return; // covered by the missing-archive test's message
        using var dir = new TempFolder();
        var pascal = Path.Combine(dir.Path, "pascal");
        SemanticFixtures.BuildPascal(Path.Combine(pascal, "src"));
        Directory.CreateDirectory(Path.Combine(pascal, "dest", "archives"));
        // the archive holds the images only: the pair files come from elsewhere
        ZipFile.CreateFromDirectory(Path.Combine(pascal, "src", "PF-dataset-PASCAL"), Path.Combine(pascal, "dest", "archives", "PF-dataset-PASCAL.zip"),
            CompressionLevel.Fastest, includeBaseDirectory: true);
        var (code, output) = RepoPaths.Run("bash", [RepoPaths.Under("data-scripts", "get-pfpascal.sh"), Path.Combine(pascal, "dest")]);
        Assert.NotEqual(0, code);
        Assert.Contains("ok: 3 JPEG images", output);
        Assert.Contains($"missing: {Path.Combine(pascal, "dest", "val_pairs_pf_pascal.csv")}", output); // pair files are not in the archive
        File.Copy(Path.Combine(pascal, "src", "val_pairs_pf_pascal.csv"), Path.Combine(pascal, "dest", "val_pairs_pf_pascal.csv"));
        File.Copy(Path.Combine(pascal, "src", "test_pairs_pf_pascal.csv"), Path.Combine(pascal, "dest", "test_pairs_pf_pascal.csv"));
        (code, output) = RepoPaths.Run("bash", [RepoPaths.Under("data-scripts", "get-pfpascal.sh"), Path.Combine(pascal, "dest")]);
        Assert.NotEqual(0, code);
        Assert.Contains("val_pairs_pf_pascal.csv: expected 308 rows, found 1", output);

        var tss = Path.Combine(dir.Path, "tss");
        SemanticFixtures.BuildTss(Path.Combine(tss, "src"));
        Directory.CreateDirectory(Path.Combine(tss, "dest", "archives"));
        ZipFile.CreateFromDirectory(Path.Combine(tss, "src"), Path.Combine(tss, "dest", "archives", "TSS_CVPR2016.zip"));
        (code, output) = RepoPaths.Run("bash", [RepoPaths.Under("data-scripts", "get-tss.sh"), Path.Combine(tss, "dest")]);
        Assert.True(code == 0, output);
        Assert.Contains($"ok: 2 complete pair folders in {Path.Combine(tss, "dest", "TSS_CVPR2016", "FG3DCar")}", output);
        Assert.Contains("lists 3 pairs", output);
        var gone = Path.Combine(tss, "dest", "TSS_CVPR2016", "JODS", "001", "mask2.png");
        File.Delete(gone);
        (code, output) = RepoPaths.Run("bash", [RepoPaths.Under("data-scripts", "get-tss.sh"), Path.Combine(tss, "dest")]);
        Assert.NotEqual(0, code);
        Assert.Contains($"{gone}: missing", output);
    }

    [Fact]
    public void FootageScriptLinksOpencvDocsVideosAndPhotographs()
    {
        using var dir = new TempFolder();
        // DISTILLKIT_KIT=echo: the decode step only prints what it would run (the decode itself is tested in FootageTests)
        var (code, output) = RepoPaths.Run("env", ["DISTILLKIT_KIT=echo", "bash", RepoPaths.Under("data-scripts", "get-footage.sh"), dir.Path]);
        Assert.True(code == 0, output);
        Assert.Equal(["Megamind.avi", "tree.avi", "vtest.avi"], Directory.GetFiles(Path.Combine(dir.Path, "Footage")).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.True(Directory.GetFiles(Path.Combine(dir.Path, "Photos")).Length >= 20);
        Assert.Contains($"footage {Path.Combine(dir.Path, "Footage")}", output);
        Assert.NotEqual(0, RepoPaths.Run("bash", [RepoPaths.Under("data-scripts", "get-footage.sh"), "a", "b"]).Code);
    }
}
