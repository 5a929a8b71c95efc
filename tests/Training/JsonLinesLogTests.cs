using DistillKit.Runtime;
using DistillKit.Tests.Support;
using DistillKit.Training;
using Xunit;

namespace DistillKit.Tests.Training;

/// <summary>The run log (<see cref="JsonLinesLog"/>): whole lines only, and write failures named.</summary>
public class JsonLinesLogTests
{
    [Fact]
    public void AResumedLogDropsTheIncompleteLastLineOfAnInterruptedWriteWithAWarning()
    {
        using var dir = new TempFolder();
        var path = dir.File("log.jsonl");
        File.WriteAllText(path, "{\"Step\":1}\n{\"Step\":2}\n{\"Ste");
        var warnings = new StringWriter();
        using (var log = new JsonLinesLog(path, append: true, warnings)) log.Write("{\"Step\":3}");
        Assert.Equal(["{\"Step\":1}", "{\"Step\":2}", "{\"Step\":3}"], File.ReadAllLines(path));
        Assert.Equal($"warning: {path}: removed an incomplete last line (5 bytes) left by an interrupted write", warnings.ToString().Trim());

        warnings.GetStringBuilder().Clear();
        using (var log = new JsonLinesLog(path, append: true, warnings)) log.Write("{\"Step\":4}");
        Assert.Equal(4, File.ReadAllLines(path).Length);
        Assert.Empty(warnings.ToString());
        using (var log = new JsonLinesLog(path, append: false, warnings)) log.Write("{\"Step\":1}");
        Assert.Equal(["{\"Step\":1}"], File.ReadAllLines(path));
    }

    [Fact]
    public void AWriteOnAFullDiskFailsNamingTheLog()
    {
        if (!File.Exists("/dev/full")) return;  // Linux's always-full device: every write fails with ENOSPC
        using var log = new JsonLinesLog("/dev/full", append: false);
        var e = Assert.Throws<OutputWriteException>(() => log.Write("{\"Step\":1}"));
        Assert.Equal("/dev/full: writing the training log failed: the disk is full (No space left on device); free space on it.", e.Message);
    }

}
