using DistillKit.Models.Pmd;
using DistillKit.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;
using Xunit;

namespace DistillKit.Tests.Models;

/// <summary>PMD's coordinate conventions and matching functions against hand-computed values.</summary>
public class PmdGridTests
{
    [Fact]
    public void PmdCellCentresAreAlignCornersFalseAndAgreeWithPixelCentres()
    {
        using var scope = torch.NewDisposeScope();
        var c = CellGrid.Centres(2, 4);
        Assert.Equal(new long[] { 1, 2, 2, 4 }, c.shape);
        TensorAssert.Close(torch.tensor(new[] { -0.75f, -0.25f, 0.25f, 0.75f }), c[0, 0, 1], atol: 1e-7);
        TensorAssert.Close(torch.tensor(new[] { -0.5f, 0.5f }), c[0, 1, .., 2], atol: 1e-7);
        // cell j of a stride-16 grid covers pixels 16j … 16j + 15: its centre, pixel 16j + 7.5, has the cell centre's u
        var pixels = torch.tensor(new[] { 16 * 2 + 7.5f, 16 * 1 + 7.5f }, [1, 2]);
        TensorAssert.Close(torch.tensor(new[] { c[0, 0, 0, 2].ToSingle(), c[0, 1, 1, 0].ToSingle() }, [1, 2]),
                           CellGrid.PixelsToNormalised(pixels, 64, 32), atol: 1e-6);
        // pixel 0 and W − 1 at ∓(1 − 1/W); the round trip is exact
        var ends = torch.tensor(new[] { 0f, 0f, 99f, 49f }, [2, 2]);
        TensorAssert.Close(torch.tensor(new[] { -0.99f, -0.98f, 0.99f, 0.98f }, [2, 2]), CellGrid.PixelsToNormalised(ends, 100, 50), atol: 1e-6);
        TensorAssert.Close(ends, CellGrid.NormalisedToPixels(CellGrid.PixelsToNormalised(ends, 100, 50), 100, 50), atol: 1e-5);
    }

    [Fact]
    public void PmdFlowConvertsToPixelsAndBack()
    {
        using var scope = torch.NewDisposeScope();
        // a constant normalised flow (0.1, −0.2) is (0.1·W/2, −0.2·H/2) pixels everywhere
        var flow = torch.tensor(new[] { 0.1f, -0.2f }, [1, 2, 1, 1]).expand(2, 2, 4, 6).contiguous();
        var px = CellGrid.ToPixelFlow(flow, 64, 96);
        Assert.Equal(new long[] { 2, 2, 64, 96 }, px.shape);
        Assert.True(px[.., 0].sub(4.8).abs().max().ToDouble() < 1e-5);
        Assert.True(px[.., 1].add(6.4).abs().max().ToDouble() < 1e-5);
        // a pixel flow linear in x, u = 3 + 0.25 x, sampled at cell centres x = 16j + 7.5 (bilinear is exact on it)
        var xs = torch.arange(96, ScalarType.Float32).view(1, 1, 1, 96).expand(1, 1, 64, 96);
        var pixelFlow = torch.cat([xs.mul(0.25).add(3), torch.zeros(1, 1, 64, 96)], 1);
        var valid = torch.ones(1, 1, 64, 96);
        // cell (i, j) of 4×6 has its centre at pixel (16j + 7.5, 16i + 7.5) and is sampled from x 16j + 7..8, y 16i + 7..8
        valid[0, 0, 20, 50] = 0;    // pixel (x 50, y 20) feeds no cell
        var (cells, mask) = CellGrid.FromPixelFlow(pixelFlow, valid, 4, 6);
        Assert.Equal(new long[] { 1, 2, 4, 6 }, cells.shape);
        for (int j = 0; j < 6; j++)
            Assert.Equal((3 + 0.25 * (16 * j + 7.5)) * 2 / 96, cells[0, 0, 2, j].ToDouble(), 5);
        Assert.Equal(24, mask.sum().ToDouble());
        valid[0, 0, 24, 40] = 0;    // pixel (40, 24) feeds cell (row 1, column 2): its centre (39.5, 23.5)
        (_, mask) = CellGrid.FromPixelFlow(pixelFlow, valid, 4, 6);
        Assert.Equal(23, mask.sum().ToDouble());
        Assert.Equal(0, mask[0, 0, 1, 2].ToDouble());
        // the round trip of a constant flow
        var back = CellGrid.ToPixelFlow(CellGrid.FromPixelFlow(px, null, 4, 6).flow, 64, 96);
        Assert.True(back.sub(px).abs().max().ToDouble() < 1e-5);
    }

    [Fact]
    public void PmdKeypointsTransferThroughTheCellFlow()
    {
        using var scope = torch.NewDisposeScope();
        // constant normalised flow (0.25, −0.5): image 1 is 100×80, image 2 is 200×160
        var flow = torch.tensor(new[] { 0.25f, -0.5f }, [2, 1, 1]).expand(2, 4, 5).contiguous();
        var kp = torch.tensor(new[] { 10f, 20f, 99f, 0f }, [2, 2]);
        var moved = CellGrid.TransferKeypoints(flow, kp, 100, 80, 200, 160);
        // x: u = 21/100 − 1 = −0.79, + 0.25 = −0.54 → (0.46·200 − 1)/2 = 45.5; y: v = 41/80 − 1 = −0.4875, − 0.5 → (0.0125·160 − 1)/2 = 0.5
        Assert.Equal(45.5, moved[0, 0].ToDouble(), 4);
        Assert.Equal(0.5, moved[0, 1].ToDouble(), 4);
        // a flow that varies: a keypoint on a cell centre takes that cell's flow, one halfway between two centres their mean
        var ramp = torch.zeros(1, 2, 4, 5);
        ramp[0, 0, 1, 2] = 0.2f;
        ramp[0, 0, 1, 3] = 0.4f;
        // cell (row 1, column 2) of 4×5 on a 100×80 image: centre pixel (2.5·20 − 0.5, 1.5·20 − 0.5) = (49.5, 29.5)
        var pts = torch.tensor(new[] { 49.5f, 29.5f, 59.5f, 29.5f }, [2, 2]);
        var out1 = CellGrid.TransferKeypoints(ramp, pts, 100, 80, 100, 80);
        Assert.Equal(49.5 + 0.2 * 50, out1[0, 0].ToDouble(), 4);
        Assert.Equal(59.5 + 0.3 * 50, out1[1, 0].ToDouble(), 4);
        Assert.Equal(29.5, out1[1, 1].ToDouble(), 4);
        Assert.Throws<ArgumentException>(() => CellGrid.TransferKeypoints(ramp.expand(2, -1, -1, -1), pts, 100, 80, 100, 80));
        Assert.Throws<ArgumentException>(() => CellGrid.TransferKeypoints(ramp, torch.zeros(3), 100, 80, 100, 80));
    }

    [Fact]
    public void PmdCorrelationIsTheReluOfCosinesInTargetMajorLayout()
    {
        using var scope = torch.NewDisposeScope();
        using var g = new Generator(1);
        var s = torch.randn([1, 5, 3, 4], generator: g, dtype: ScalarType.Float64);
        var t = torch.randn([1, 5, 3, 4], generator: g, dtype: ScalarType.Float64);
        var corr = PmdCorrelation.Correlate(s, t);
        Assert.Equal(new long[] { 1, 12, 3, 4 }, corr.shape);
        int negatives = 0;
        for (int q = 0; q < 12; q++)
        {
            // source cell (1, 2), target cell q = y·4 + x
            var a = s[0, .., 1, 2];
            var b = t[0, .., q / 4, q % 4];
            double cos = a.dot(b).ToDouble() / Math.Sqrt(a.dot(a).ToDouble() + 1e-6) / Math.Sqrt(b.dot(b).ToDouble() + 1e-6);
            if (cos < 0) negatives++;
            Assert.Equal(Math.Max(cos, 0), corr[0, q, 1, 2].ToDouble(), 12);
        }
        Assert.InRange(negatives, 1, 11);   // the ReLU was exercised
        var fused = PmdCorrelation.Fuse(corr, corr);
        Assert.Equal(1.0, fused[0, .., 0, 0].square().sum().ToDouble(), 5);
    }

    [Fact]
    public void PmdKernelSoftArgmaxFollowsItsFormula()
    {
        using var scope = torch.NewDisposeScope();
        const int h = 4, w = 6;
        const double sigma = 2, beta = 10;
        // source cell 0: a peak at target (1, 1) and a second one at (3, 5); source cell 1: random values
        var corr = torch.zeros(1, h * w, 1, 2, ScalarType.Float64);
        corr[0, 1 * w + 1, 0, 0] = 0.9;
        corr[0, 3 * w + 5, 0, 0] = 0.8;
        using var g = new Generator(3);
        corr[0, .., 0, 1] = torch.rand([h * w], generator: g, dtype: ScalarType.Float64);
        var match = PmdCorrelation.KernelSoftArgmax(corr, h, w, sigma, beta);
        Assert.Equal(new long[] { 1, 2, 1, 2 }, match.shape);
        for (int cell = 0; cell < 2; cell++)
        {
            var values = Enumerable.Range(0, h * w).Select(q => corr[0, q, 0, cell].ToDouble()).ToArray();
            int best = Array.IndexOf(values, values.Max());
            double[] logits = new double[h * w];
            for (int q = 0; q < h * w; q++)
            {
                double dy = q / w - best / w, dx = q % w - best % w;
                logits[q] = beta * Math.Exp(-(dx * dx + dy * dy) / (2 * sigma * sigma)) * values[q];
            }
            double z = logits.Sum(Math.Exp);
            double u = Enumerable.Range(0, h * w).Sum(q => Math.Exp(logits[q]) / z * ((2.0 * (q % w) + 1) / w - 1));
            double v = Enumerable.Range(0, h * w).Sum(q => Math.Exp(logits[q]) / z * ((2.0 * (q / w) + 1) / h - 1));
            Assert.Equal(u, match[0, 0, 0, cell].ToDouble(), 12);
            Assert.Equal(v, match[0, 1, 0, cell].ToDouble(), 12);
        }
        // a sharp single peak lands on its cell centre
        var peak = torch.zeros(1, h * w, 1, 1, ScalarType.Float64);
        peak[0, 2 * w + 4, 0, 0] = 1;
        var at = PmdCorrelation.KernelSoftArgmax(peak, h, w, 5, 200);
        Assert.Equal((2.0 * 4 + 1) / w - 1, at[0, 0, 0, 0].ToDouble(), 9);
        Assert.Equal((2.0 * 2 + 1) / h - 1, at[0, 1, 0, 0].ToDouble(), 9);
        // no gradient through the argmax, a gradient through the correlation
        var x = corr.clone().requires_grad_();
        PmdCorrelation.KernelSoftArgmax(x, h, w, sigma, beta).sum().backward();
        Assert.True(x.grad!.abs().sum().ToDouble() > 0);
        Assert.Throws<ArgumentException>(() => PmdCorrelation.KernelSoftArgmax(corr, 5, 5, sigma, beta));
    }
}
