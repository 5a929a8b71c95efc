using DistillKit.Tests.Support;
using System.IO.Compression;
using DistillKit.Tests.Imaging;
using Xunit;

namespace DistillKit.Tests.Data.RealDatasets;

/// <summary>The download scripts, run offline: syntax, and the unpack/verify path with an archive already in place.</summary>
public class DataScriptsTests
{
    static readonly string[] Scripts = ["get-flyingchairs.sh", "get-sintel.sh", "get-kitti2012.sh", "get-kitti2015.sh"];

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
}
