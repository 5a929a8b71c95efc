using System.Text.Json;
using DistillKit.Cli;
using DistillKit.Data.Formats;
using DistillKit.Imaging;
using DistillKit.Models.Backbones;
using DistillKit.Models.Pmd;
using DistillKit.Models.Pwc;
using DistillKit.Tests.Support;
using DistillKit.Training;
using TorchSharp;
using static TorchSharp.torch;
using Xunit;

namespace DistillKit.Tests.Cli;

/// <summary>
/// <c>./kit match</c> end to end on a randomly initialised smoke student (and teacher) saved by
/// <see cref="SemanticMatcherFile.Save"/>, images of 90×70 and 50×40, the kit's ImageNet ResNet-18.
/// </summary>
public sealed class MatchCommandTests(MatchCommandTests.Files files) : IClassFixture<MatchCommandTests.Files>
{
    /// <summary>The images and the student, written once for the class.</summary>
    public sealed class Files : IDisposable
    {
        internal readonly TempFolder Dir = new();
        public readonly string Image1, Image2, Student;

        public Files()
        {
            Image1 = Dir.File("a.png");
            Image2 = Dir.File("b.png");
            Student = Dir.File("student.safetensors");
            using var scope = torch.NewDisposeScope();
            ImageIO.WriteTensor(Image1, torch.rand([3, 70, 90], generator: new Generator(1)));
            ImageIO.WriteTensor(Image2, torch.rand([3, 40, 50], generator: new Generator(2)));
            using var student = new PmdStudent(PmdConfig.Smoke, seed: 4);
            SemanticMatcherFile.Save(Student, student, 0, 4, "{}");
        }

        public void Dispose() => Dir.Dispose();
    }

    readonly string _image1 = files.Image1, _image2 = files.Image2, _student = files.Student;
    readonly string _tag = Guid.NewGuid().ToString("N")[..8];

    string File(string name) => files.Dir.File($"{_tag}-{name}");

    string Points(string text, string name = "p.csv")
    {
        var path = File(name);
        System.IO.File.WriteAllText(path, text);
        return path;
    }

    string[] Args(string points, string? checkpoint = null, string? image1 = null, params string[] more) =>
        ["--checkpoint", checkpoint ?? _student, "--image1", image1 ?? _image1, "--image2", _image2, "--points", points, "--out", File("q.csv"), .. more];

    [Fact]
    public void AStudentCarriesThePointsIntoImage2AndDrawsThePairs()
    {
        var points = Points("x,y\n0,0\n45.5,35\r\n\n89.5,69.5\n-0.5,10\n");
        int rc = MatchCommand.Run(Args(points, more: ["--png-viz", File("v.png")]));
        Assert.Equal(0, rc);
        var lines = System.IO.File.ReadAllLines(File("q.csv"));
        Assert.Equal("x,y", lines[0]);
        Assert.Equal(5, lines.Length);
        using var q = KeypointCsv.Read(File("q.csv"));
        // the points are KeypointTransfer's with the loaded matcher and the ImageNet backbone
        using (var scope = torch.NewDisposeScope())
        using (var matcher = SemanticMatcherFile.Load(_student))
        using (var backbone = PmdBackbone.Pretrained(PmdConfig.Smoke, RepoPaths.Under(ResNet18ImageNet.WeightsFileInRepo)))
        using (var p = KeypointCsv.Read(points))
        using (var expected = KeypointTransfer.Transfer(backbone, matcher, ImageIO.ReadTensor(_image1), ImageIO.ReadTensor(_image2), p.Points))
            TensorAssert.Close(expected.Points, q.Points, rtol: 1e-6, atol: 1e-5);
        // soft-argmax positions are averages of cell centres: inside image 2
        q.CheckInside(50, 40, "image 2");
        var viz = ImageIO.Read(File("v.png"));
        Assert.Equal(90 + 8 + 50, viz.Width);
        Assert.Equal(70, viz.Height);
    }

    [Fact]
    public void ATeacherAddsConfidenceAndSpread()
    {
        var teacherPath = File("teacher.safetensors");
        using (var teacher = new PmdTeacher(PmdConfig.Smoke, seed: 5))
            SemanticMatcherFile.Save(teacherPath, teacher, 0, 5, "{}");
        Assert.Equal(0, MatchCommand.Run(Args(Points("x,y\n10,10\n60,50\n"), teacherPath, more: ["--hypotheses", "3", "--seed", "2"])));
        var lines = System.IO.File.ReadAllLines(File("q.csv"));
        Assert.Equal("x,y,confidence,spread", lines[0]);
        Assert.Equal(3, lines.Length);
        foreach (var line in lines[1..])
        {
            var f = line.Split(',').Select(s => double.Parse(s, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
            Assert.InRange(f[2], 0, 1);
            Assert.True(f[3] >= 0);
            Assert.Equal(Math.Exp(-f[3] * f[3] / (2 * 5.0 * 5.0)), f[2], 4); // α·L = 0.1 · 50
        }
        // the output reads back as points (its extra columns ignored)
        using var back = KeypointCsv.Read(File("q.csv"));
        Assert.Equal(2, back.Count);
    }

    [Theory]
    [InlineData("x,z\n1,2\n", ":1:", "no column 'y' in the header (x,z)")]
    [InlineData("10,20\n30,40\n", ":1:", "no column 'x'")]
    [InlineData("x,y\n1,2\n3\n", ":3:", "1 fields, but the header (line 1) has 2")]
    [InlineData("x,y\n1,2\n3,4,5\n", ":3:", "3 fields")]
    [InlineData("x,y\n1,abc\n", ":2:", "\"abc\"")]
    [InlineData("x,y\n1,2\nNaN,3\n", ":3:", "\"NaN\"")]
    [InlineData("x,y\n1,2\n3,\n", ":3:", "column y")]
    [InlineData("x,y\n1,2\n3,4\n812,30\n", ":4:", "point (812, 30) lies outside image1")]
    [InlineData("x,y\n1,2\n3,4\n5,-0.6\n", ":4:", "point (5, -0.6) lies outside image1")]
    [InlineData("x,y\n1,2\n3,4\n89.6,3\n", ":4:", "point (89.6, 3) lies outside image1")]
    [InlineData("", "p.csv", "empty points file")]
    [InlineData("x,y\n\n", "p.csv", "no points")]
    public void ABadPointsFileIsRefusedNamingTheFileAndLine(string text, string where, string what)
    {
        var points = Points(text);
        var e = Assert.Throws<InvalidDataException>(() => MatchCommand.Run(Args(points)));
        Assert.Contains(points, e.Message);
        Assert.Contains(where.StartsWith(':') ? points + where : where, e.Message);
        Assert.Contains(what, e.Message);
        if (what.Contains("outside")) Assert.Contains($"{_image1} (90×70", e.Message);
        Assert.False(System.IO.File.Exists(File("q.csv")));
    }

    [Fact]
    public void MissingFilesAreNamed()
    {
        var points = Points("x,y\n1,2\n");
        var e = Assert.Throws<FileNotFoundException>(() => MatchCommand.Run(Args(points, checkpoint: File("none.safetensors"))));
        Assert.Contains(File("none.safetensors"), e.Message);
        e = Assert.Throws<FileNotFoundException>(() => MatchCommand.Run(Args(points, image1: File("none.png"))));
        Assert.Contains(File("none.png"), e.Message);
        e = Assert.Throws<FileNotFoundException>(() => MatchCommand.Run(Args(File("none.csv"))));
        Assert.Contains(File("none.csv"), e.Message);
        var a = Assert.Throws<ArgumentException>(() => MatchCommand.Run(["--checkpoint", _student, "--image1", _image1, "--image2", _image2, "--out", "q.csv"]));
        Assert.Contains("--points", a.Message);
    }

    [Fact]
    public void AFlowCheckpointIsRefusedWithThePointerToKitFlow()
    {
        var flow = File("step-00000001.safetensors");
        using (var pwc = new PwcNet(PwcNetConfig.Smoke))
            Checkpoint.Save(flow, pwc, null, 1, 1, JsonSerializer.Serialize(new { Model = PwcNetConfig.Smoke }, Json.Options));
        var e = Assert.Throws<InvalidDataException>(() => MatchCommand.Run(Args(Points("x,y\n1,2\n"), checkpoint: flow)));
        Assert.Contains(flow, e.Message);
        Assert.Contains("flow model (PwcNet)", e.Message);
        Assert.Contains("./kit flow", e.Message);
    }

    [Fact]
    public void TheKitListsTheCommandAndReportsAnErrorWithExitCodeOne()
    {
        var kit = Path.Combine(AppContext.BaseDirectory, "kit.dll");
        var (code, help) = RepoPaths.Run("dotnet", [kit, "--help"]);
        Assert.Equal(0, code);
        Assert.Contains("match ", help);
        Assert.Contains("--points P.csv", help);
        var points = Points("x,y\n1,2\n3,4\n812,30\n");
        var (rc, output) = RepoPaths.Run("dotnet", [kit, "match", .. Args(points)]);
        Assert.Equal(1, rc);
        Assert.Contains($"kit match: {points}:4: point (812, 30) lies outside image1 {_image1} (90×70", output);
    }
}

public class CommandHelpTests
{
    [Theory]
    [InlineData("report")]
    [InlineData("train")]
    [InlineData("ablate")]
    public void HelpAfterACommandPrintsItsUsageAndStartsNothing(string command)
    {
        var kit = Path.Combine(AppContext.BaseDirectory, "kit.dll");
        using var dir = new TempFolder();
        var outDir = dir.File("out");
        var (code, help) = RepoPaths.Run("dotnet", [kit, command, "--help", "--out", outDir]);
        Assert.Equal(0, code);
        Assert.Contains($"usage: ./kit {command}: ", help);
        Assert.False(Directory.Exists(outDir), "help started the command");
    }
}
