using DistillKit.Losses;
using DistillKit.Models.Pmd;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace DistillKit.Tests.Losses;

public class PmdKeypointLossTests
{
    /// <summary>Normalised centre of cell (x, y) of a 4×4 grid.</summary>
    static float Centre(int i) => (2f * i + 1) / 4 - 1;

    static Tensor Point(int x, int y) => torch.tensor(new[] { Centre(x), Centre(y) }, [1, 2]);

    [Fact]
    public void OnCellCentresItIsTheCrossEntropyOfTheColumnAgainstTheNormalisedGaussian()
    {
        // a random correlation on a 4×4 grid; source keypoint at cell (1, 2), target keypoint at cell (3, 0)
        var gen = new Generator(7);
        var corr = torch.rand([1, 16, 4, 4], generator: gen, dtype: ScalarType.Float64);
        var loss = PmdKeypointLoss.CrossEntropy(corr, [(Point(1, 2), Point(3, 0))], beta: 50, sigma: 1.0).ToDouble();
        // by hand: the column of source cell (x 1, y 2) over the 16 target cells
        var column = Enumerable.Range(0, 16).Select(q => 50 * corr[0, q, 2, 1].ToDouble()).ToArray();
        double max = column.Max(), logZ = max + Math.Log(column.Sum(c => Math.Exp(c - max)));
        var g = Enumerable.Range(0, 16).Select(q => Math.Exp(-(Math.Pow(q % 4 - 3, 2) + Math.Pow(q / 4 - 0, 2)) / 2)).ToArray();
        double gz = g.Sum();
        double expected = -Enumerable.Range(0, 16).Sum(q => g[q] / gz * (column[q] - logZ));
        Assert.Equal(expected, loss, 9);
    }

    [Fact]
    public void GradientDescentMovesTheSoftArgmaxOfTheKeypointsCellOntoTheAnnotatedMatch()
    {
        var gen = new Generator(3);
        var raw = new TorchSharp.Modules.Parameter(torch.rand([1, 16, 4, 4], generator: gen));
        var keypoints = new[] { (Point(0, 0), Point(2, 3)) };
        double first = 0, last = 0;
        var optimizer = torch.optim.Adam([raw], 0.05);
        for (int i = 0; i < 60; i++)
        {
            optimizer.zero_grad();
            var loss = PmdKeypointLoss.CrossEntropy(raw.relu(), keypoints);
            if (i == 0) first = loss.ToDouble();
            last = loss.ToDouble();
            loss.backward();
            optimizer.step();
        }
        Assert.True(last < 0.5 * first, $"loss {first} → {last}");
        // the source cell's column peaks at the annotated target cell (x 2, y 3): q = 3·4 + 2
        Assert.Equal(14, raw.detach()[0, .., 0, 0].argmax().ToInt64());
        // and the kernel soft-argmax's match moves towards it (the target is a Gaussian, so the match sits a little inside)
        using var matched = PmdCorrelation.KernelSoftArgmax(raw.detach().relu(), 4, 4, sigma: 5, beta: 50);
        Assert.InRange(matched[0, 0, 0, 0].ToSingle(), Centre(2) - 0.15, Centre(2) + 0.15);
        Assert.InRange(matched[0, 1, 0, 0].ToSingle(), Centre(3) - 0.3, Centre(3) + 0.01);
    }

    [Fact]
    public void KeypointsOutsideTheImageAreLeftOutAndAnEmptyBatchGivesZeroWithAGradientPath()
    {
        var corr = torch.rand([2, 16, 4, 4]).requires_grad_(true);
        var inside = (Point(1, 1), Point(2, 2));
        var outside = torch.tensor(new[] { 1.5f, 0f }, [1, 2]);
        var both = (torch.cat([inside.Item1, outside]), torch.cat([inside.Item2, Point(0, 0)]));
        var none = (torch.zeros(0, 2), torch.zeros(0, 2));
        var a = PmdKeypointLoss.CrossEntropy(corr, [inside, none]).ToDouble();
        var b = PmdKeypointLoss.CrossEntropy(corr, [both, none]).ToDouble();
        Assert.Equal(a, b, 6);
        var empty = PmdKeypointLoss.CrossEntropy(corr, [none, none]);
        Assert.Equal(0, empty.ToDouble());
        empty.backward();
        Assert.NotNull(corr.grad);
    }

    [Fact]
    public void OverHypothesesIsTheMeanOfEachHypothesissLoss()
    {
        var corr = torch.rand([3, 2, 16, 4, 4], dtype: ScalarType.Float64);
        var keypoints = new[] { (Point(1, 1), Point(2, 2)), (torch.cat([Point(0, 3), Point(3, 3)]), torch.cat([Point(1, 0), Point(2, 1)])) };
        var each = Enumerable.Range(0, 3).Select(k => PmdKeypointLoss.CrossEntropy(corr[k], keypoints).ToDouble()).Average();
        Assert.Equal(each, PmdKeypointLoss.OverHypotheses(corr, keypoints).ToDouble(), 9);
    }

    [Fact]
    public void BadShapesNameWhatIsWrong()
    {
        var corr = torch.rand([1, 16, 4, 4]);
        var e = Assert.Throws<ArgumentException>(() => PmdKeypointLoss.CrossEntropy(torch.rand([1, 15, 4, 4]), [(Point(0, 0), Point(0, 0))]));
        Assert.Contains("[B, h·w, h, w]", e.Message);
        e = Assert.Throws<ArgumentException>(() => PmdKeypointLoss.CrossEntropy(corr, [(Point(0, 0), torch.zeros(2, 2))]));
        Assert.Contains("pair 0", e.Message);
        e = Assert.Throws<ArgumentException>(() => PmdKeypointLoss.CrossEntropy(corr, []));
        Assert.Contains("0 keypoint sets", e.Message);
    }
}
