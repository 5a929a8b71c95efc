using System.Diagnostics;
using DistillKit.Data.Video;
using DistillKit.Imaging;
using DistillKit.Metrics;
using DistillKit.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;
using Xunit;

namespace DistillKit.Tests.Data;

/// <summary>Real footage: ffmpeg decoding into the frame cache, frame folders, pairs, held-out split, scene cuts, errors.</summary>
public class FootageTests
{
    /// <summary>A smooth colour scene [3,H,W] seen through a window shifted by (dx, dy) pixels; <paramref name="palette"/>
    /// picks one of two very different colour sets (a scene cut swaps them).</summary>
    internal static Tensor Scene(int h, int w, double dx, double dy, int palette = 0)
    {
        var v = new float[3 * h * w];
        for (int c = 0; c < 3; c++)
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                {
                    double X = x + dx, Y = y + dy;
                    double s = 0.5 + 0.25 * Math.Sin(X / 5.0 + c) * Math.Cos(Y / 7.0 - c) + 0.15 * Math.Sin((X + 2 * Y) / 11.0);
                    v[(c * h + y) * w + x] = (float)(palette == 0 ? 0.2 + 0.6 * s : c == 0 ? 0.9 - 0.1 * s : 0.05 + 0.1 * s);
                }
        return torch.tensor(v, [3, h, w]);
    }

    static void WriteFrames(string folder, int count, int h, int w, int cutAt = -1)
    {
        Directory.CreateDirectory(folder);
        for (int k = 0; k < count; k++)
        {
            using var frame = Scene(h, w, 2 * k, k, cutAt >= 0 && k >= cutAt ? 1 : 0);
            ImageIO.WriteTensor(Path.Combine(folder, $"f{k:D3}.png"), frame);
        }
    }

    /// <summary>Two frame folders under DIR/footage: clip a (20 frames) and clip b (10), 32×24; the footage root.</summary>
    static string TwoClips(TempFolder dir)
    {
        var root = dir.File("footage");
        WriteFrames(Path.Combine(root, "a"), 20, 24, 32);
        WriteFrames(Path.Combine(root, "b"), 10, 24, 32);
        return root;
    }

    /// <summary>A 12-frame 64×48 test video made by ffmpeg's own test source.</summary>
    static string MakeVideo(TempFolder dir, string name = "clip.avi", int frames = 12)
    {
        var path = dir.File(name);
        var psi = new ProcessStartInfo(Ffmpeg.Locate("ffmpeg")) { RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "-v", "error", "-nostdin", "-f", "lavfi", "-i", "testsrc=size=64x48:rate=10", "-frames:v", frames.ToString(), "-c:v", "mjpeg", "-q:v", "3", path })
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, $"ffmpeg could not write the test video: {err}");
        return path;
    }

    [Fact]
    public void AVideoIsDecodedOnceIntoTheCacheAtTheAskedHeight()
    {
        using var dir = new TempFolder();
        var video = MakeVideo(dir);
        var cache = dir.File("cache");
        var log = new StringWriter();
        var seq = VideoFrames.Decode(video, height: 24, log, cache);
        Assert.Equal(12, seq.Frames.Count);
        Assert.Equal((32, 24), (seq.Width, seq.Height));
        Assert.Equal("clip", seq.Name);
        var first = ImageIO.Read(seq.Frames[0]);
        Assert.Equal((32, 24), (first.Width, first.Height));
        Assert.Contains("decoding clip.avi", log.ToString());
        Assert.All(seq.Frames, f => Assert.StartsWith(cache, f));

        var again = new StringWriter();
        var cached = VideoFrames.Decode(video, height: 24, again, cache);
        Assert.Equal(seq.Frames, cached.Frames);
        Assert.Equal("", again.ToString()); // no second decode
        Assert.Empty(Directory.GetDirectories(cache, "*.partial-*"));

        var full = VideoFrames.Decode(video, height: 0, TextWriter.Null, cache);
        Assert.Equal((64, 48), (full.Width, full.Height));
    }

    [Fact]
    public void BadSourcesGiveErrorsNamingThem()
    {
        using var dir = new TempFolder();
        var cache = dir.File("cache");
        var garbage = dir.File("broken.avi");
        File.WriteAllBytes(garbage, Enumerable.Range(0, 3000).Select(i => (byte)(i * 7919 % 251)).ToArray());
        var e1 = Assert.Throws<InvalidDataException>(() => VideoFrames.Open(garbage, 24, TextWriter.Null, cache));
        Assert.Contains("broken.avi", e1.Message);
        Assert.False(Directory.Exists(cache) && Directory.EnumerateFileSystemEntries(cache).Any(), "a failed decode must leave no cache folder");

        var truncated = dir.File("truncated.avi");
        var good = File.ReadAllBytes(MakeVideo(dir, "whole.avi"));
        File.WriteAllBytes(truncated, good[..200]);
        Assert.Contains("truncated.avi", Assert.ThrowsAny<Exception>(() => VideoFrames.Open(truncated, 24, TextWriter.Null, cache)).Message);

        var empty = Directory.CreateDirectory(dir.File("empty")).FullName;
        var e2 = Assert.Throws<InvalidDataException>(() => VideoFrames.Open(empty, 24, TextWriter.Null, cache));
        Assert.Contains(empty, e2.Message);
        Assert.Contains("no frames", e2.Message);

        var e3 = Assert.Throws<DirectoryNotFoundException>(() => VideoFrames.Open(dir.File("nowhere"), 24, TextWriter.Null, cache));
        Assert.Contains("nowhere", e3.Message);

        var text = dir.File("notes.txt");
        File.WriteAllText(text, "not a video");
        Assert.Contains("notes.txt", Assert.Throws<InvalidDataException>(() => VideoFrames.Open(text, 24, TextWriter.Null, cache)).Message);

        var single = dir.File("single");
        WriteFrames(single, 1, 24, 32);
        Assert.Contains("at least two", Assert.Throws<InvalidDataException>(() => VideoFrames.Open(single, 24, TextWriter.Null, cache)).Message);
    }

    [Fact]
    public void AFrameFolderIsUsedAsItIsOrResizedIntoTheCache()
    {
        using var dir = new TempFolder();
        var folder = dir.File("walk");
        WriteFrames(folder, 5, 48, 64);
        var cache = dir.File("cache");
        var same = VideoFrames.FromFolder(folder, 48, TextWriter.Null, cache);
        Assert.Equal(Path.Combine(folder, "f000.png"), same.Frames[0]);
        Assert.False(Directory.Exists(cache));

        var half = VideoFrames.FromFolder(folder, 24, TextWriter.Null, cache);
        Assert.Equal(5, half.Frames.Count);
        Assert.Equal((32, 24), (half.Width, half.Height));
        Assert.StartsWith(cache, half.Frames[0]);
        using var small = ImageIO.ReadTensor(half.Frames[2]);
        using var big = ImageIO.ReadTensor(same.Frames[2]);
        using var pooled = nn.functional.avg_pool2d(big.unsqueeze(0), 2)[0];
        Assert.True((small - pooled).abs().max().ToDouble() < 2.5 / 255, "area resize = 2×2 mean");

        // a frame of another size is named
        ImageIO.WriteTensor(Path.Combine(folder, "f005.png"), torch.zeros(3, 40, 64));
        Assert.Contains("f005.png", Assert.Throws<InvalidDataException>(() => VideoFrames.FromFolder(folder, 48, TextWriter.Null, cache)).Message);
    }

    [Fact]
    public void PairsSplitInTimeAndSceneCutsAreDropped()
    {
        using var dir = new TempFolder();
        var root = dir.File("footage");
        WriteFrames(Path.Combine(root, "a"), 20, 24, 32, cutAt: 8);
        WriteFrames(Path.Combine(root, "b"), 10, 24, 32);
        var index = Footage.Open([root], new FootageOptions { Height = 24, FrameGaps = [1, 2], HeldOutFraction = 0.2 }, TextWriter.Null, dir.File("cache"));
        Assert.Equal(["a", "b"], index.Sequences.Select(s => s.Name));
        // clip a: 20 frames, training frames 0..15, held out 16..19; the cut between frames 7 and 8 drops 7-8 (gap 1) and 6-8, 7-9 (gap 2)
        Assert.Equal(["a/000006-000008", "a/000007-000008", "a/000007-000009"], index.DroppedAtCuts.Order(StringComparer.Ordinal));
        var trainA = index.Train.Where(p => p.Id.StartsWith("a/")).ToList();
        Assert.Equal(15 - 1 + 14 - 2, trainA.Count);
        Assert.All(index.Train, p => Assert.Null(p.FlowPath));
        int Second(string id) => int.Parse(id[(id.IndexOf('-') + 1)..]);
        int First(string id) => int.Parse(id[(id.IndexOf('/') + 1)..id.IndexOf('-')]);
        Assert.All(trainA, p => Assert.True(Second(p.Id) <= 15, $"{p.Id} reaches into the held-out frames"));
        Assert.Equal(["a/000016-000017", "a/000017-000018", "a/000018-000019"], index.HeldOut.Where(p => p.Id.StartsWith("a/")).Select(p => p.Id));
        Assert.All(index.HeldOut, p => Assert.Equal(1, Second(p.Id) - First(p.Id)));
        // clip b: 10 frames, 8 training; gap 1: 7 pairs, gap 2: 6 pairs; held out frames 8, 9: one pair
        Assert.Equal(13, index.Train.Count(p => p.Id.StartsWith("b/")));
        Assert.Single(index.HeldOut, p => p.Id.StartsWith("b/"));

        Assert.Throws<ArgumentException>(() => Footage.Open([root], new FootageOptions { FrameGaps = [0] }));
        Assert.Throws<ArgumentException>(() => Footage.Open([root], new FootageOptions { HeldOutFraction = 1 }));
    }

    [Fact]
    public void HeldOutMetricsBreakDownByClipAndAddUpToTheOverallFigures()
    {
        using var dir = new TempFolder();
        var root = TwoClips(dir);
        var index = Footage.Open([root], new FootageOptions { Height = 24, HeldOutFraction = 0.3 }, TextWriter.Null, dir.File("cache"));
        var (all, clips) = FootageEvaluation.ByClip(null, index.HeldOut);
        Assert.Equal(["a", "b"], clips.Select(c => c.Clip));
        Assert.Equal([5, 2], clips.Select(c => c.Metrics.Pairs));   // frames 14..19 and 7..9 held out, gap 1
        var whole = FootageEvaluation.Of(null, index.HeldOut);
        Assert.Equal(whole.Pairs, all.Pairs);
        Assert.Equal(whole.Photometric, all.Photometric, 9);
        Assert.Equal(whole.Census, all.Census, 9);
        Assert.Equal(whole.Consistent, all.Consistent, 9);
        Assert.Equal(0.0, all.MedianLength);   // zero flow
        var b = FootageEvaluation.Of(null, index.HeldOut.Where(p => p.Id.StartsWith("b/")).ToList());
        Assert.Equal(b.Photometric, clips[1].Metrics.Photometric, 9);
        Assert.True(clips[0].Metrics.Photometric > 0, "the clip's frames move");
        Assert.Equal("clip", FootageEvaluation.ClipOf(new DistillKit.Data.Flow.FlowPair("clip", "1.png", "2.png", null, null, null)));
        Assert.Throws<ArgumentException>(() => FootageEvaluation.ByClip(null, []));
    }

    [Fact]
    public void KitFootageComparesTheBaselinesOnTheHeldOutPairsOverallAndByClip()
    {
        using var dir = new TempFolder();
        var root = TwoClips(dir);
        using var kit = new KitProcess($"footage \"{root}\" --height 24 --held-out 0.3 --baselines --pairs 7",
            new Dictionary<string, string> { ["DISTILLKIT_CACHE"] = dir.File("cache") });
        Assert.True(kit.Wait() == 0, kit.Output);
        var lines = kit.Output.Split('\n');
        Assert.Contains(lines, l => l.StartsWith("held-out evaluation on 7 pairs"));
        foreach (var title in new[] { "photometric error (8-bit) by clip (pairs)", "census by clip (pairs)", "median |w| (px) by clip (pairs)" })
        {
            int at = Array.IndexOf(lines, title);
            Assert.True(at > 0, $"no table '{title}' in:\n{kit.Output}");
            Assert.Matches(@"^flow\s+a \(5\)\s+b \(2\)$", lines[at + 1]);
            Assert.StartsWith("zero flow", lines[at + 2]);
            Assert.StartsWith("OpenCV Farneback", lines[at + 3]);
            Assert.StartsWith("OpenCV TV-L1", lines[at + 4]);
        }
        var zero = lines[Array.IndexOf(lines, "median |w| (px) by clip (pairs)") + 2].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["0.000", "0.000"], zero[^2..]);
    }

    [Fact]
    public void UnsupervisedMetricsPreferTheTrueFlowToZeroFlow()
    {
        using var scope = torch.NewDisposeScope();
        // frame 2 = frame 1 moved right by 3 px: the true forward flow is (3, 0), the backward flow (−3, 0)
        var i1 = Scene(32, 48, 0, 0).unsqueeze(0);
        var i2 = Scene(32, 48, -3, 0).unsqueeze(0);
        var zero = torch.zeros(1, 2, 32, 48);
        var fw = torch.zeros(1, 2, 32, 48);
        fw[0, 0] = torch.full(32, 48, 3f);
        var bw = -fw;
        var zeroM = FootageEvaluation.OfFlows(i1, i2, zero, zero);
        var trueM = FootageEvaluation.OfFlows(i1, i2, fw, bw);
        Assert.Equal(1.0, zeroM.Consistent, 6);
        Assert.Equal(45.0 / 48, trueM.Consistent, 6); // the last 3 columns move out of frame 2: the check flags them
        Assert.True(trueM.Photometric < 1e-3, $"true flow leaves {trueM.Photometric} grey levels");
        Assert.True(zeroM.Photometric > 5, $"zero flow leaves only {zeroM.Photometric} grey levels");
        // census windows (7×7) of the pixels within 3 px of the 3 out-of-frame columns still see the warp's zeros,
        // so the true flow's census is small, not zero (about 0.12 of zero flow's here)
        Assert.True(trueM.Census < 0.2 * zeroM.Census, $"census {trueM.Census} vs zero flow {zeroM.Census}");
        var same = FootageEvaluation.OfFlows(i1, i1, zero, zero);
        Assert.True(same.Photometric < 1e-4, $"an image against itself leaves {same.Photometric} grey levels"); // the sampler's float rounding
        // an inconsistent backward flow lowers the consistent rate
        Assert.True(FootageEvaluation.OfFlows(i1, i2, fw, zero).Consistent < 0.5);
        Assert.Equal(3.0, trueM.MedianLength, 6);
        Assert.Equal(0.0, zeroM.MedianLength);
    }

    [Fact]
    public void OnAStillPairASubPixelFlowCostsCensusAndPhotometricErrorThroughTheResamplingAlone()
    {
        using var scope = torch.NewDisposeScope();
        // a still, fine-textured scene seen twice with independent sensor noise (σ 0.5 grey level)
        torch.manual_seed(7);
        var scene = Scene(48, 64, 0, 0).unsqueeze(0) + 0.1 * torch.rand(1, 3, 48, 64);   // texture at the pixel scale
        var i1 = (scene + 0.5 / 255 * torch.randn(1, 3, 48, 64)).clamp(0, 1);
        var i2 = (scene + 0.5 / 255 * torch.randn(1, 3, 48, 64)).clamp(0, 1);
        var zero = torch.zeros(1, 2, 48, 64);
        var tenth = torch.zeros(1, 2, 48, 64);
        tenth[0, 0] = torch.full(48, 64, 0.1f);
        var still = FootageEvaluation.OfFlows(i1, i2, zero, zero);
        var drift = FootageEvaluation.OfFlows(i1, i2, tenth, -tenth);
        Assert.True(drift.Census > 1.1 * still.Census, $"census: 0.1 px drift {drift.Census} vs zero flow {still.Census}");
        Assert.True(drift.Photometric > still.Photometric, $"photometric: 0.1 px drift {drift.Photometric} vs zero flow {still.Photometric}");
        Assert.Equal(0.1, drift.MedianLength, 5);
    }
}
