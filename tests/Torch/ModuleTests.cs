using System.Text.Json;
using DistillKit.Tests.Support;
using DistillKit.Torch;
using DistillKit.Torch.Modules;
using Xunit;
using static DistillKit.Torch.torch.nn.functional;

namespace DistillKit.Tests.Torch;

/// <summary>The C# twin of TinyNet in tests/reference/make_nn_golden.py: same field names, so same state-dict keys.</summary>
sealed class Block : Module<Tensor, Tensor>
{
    public Conv2d conv;
    public BatchNorm2d bn;

    public Block(long c)
    {
        conv = new Conv2d(c, c, 3, padding: 1);
        bn = new BatchNorm2d(c);
    }

    public override Tensor forward(Tensor x) => relu(bn.forward(conv.forward(x)));
}

sealed class TinyNet : Module<Tensor, Tensor>
{
    public Conv2d conv1 = new(3, 8, 3, stride: 2, padding: 1);
    public ModuleList<Block> blocks = new(new Block(8), new Block(8));
    public ConvTranspose2d deconv = new(8, 4, 4, stride: 2, padding: 1);
    public GroupNorm norm = new(2, 4);
    public Linear head = new(4, 2);

    public override Tensor forward(Tensor x)
    {
        x = leaky_relu(conv1.forward(x), 0.1);
        foreach (var b in blocks) x = b.forward(x);
        x = norm.forward(deconv.forward(x));
        return head.forward(x.mean([2L, 3L]));
    }
}

public class ModuleTests
{
    static string Gold => ReferenceScripts.Golden("nn", "make_nn_golden.py");

    [Fact]
    public void StateDictKeysAndShapesEqualPyTorchs()
    {
        using var net = new TinyNet();
        var expected = JsonSerializer.Deserialize<JsonElement[][]>(File.ReadAllText(Path.Combine(Gold, "net_keys.json")))!;
        var sd = net.state_dict();
        Assert.Equal(expected.Select(e => e[0].GetString()), sd.Keys);
        foreach (var e in expected)
            Assert.Equal(e[1].EnumerateArray().Select(x => x.GetInt64()), sd[e[0].GetString()!].shape);
    }

    [Fact]
    public void LoadsPyTorchWeightsByNameAndReproducesItsOutput()
    {
        using var net = new TinyNet();
        net.load(Path.Combine(Gold, "net.pth"));
        net.eval();
        var io = Serialization.LoadPth(Path.Combine(Gold, "net_io.pth"));
        using var y = net.forward(io["x"]);
        Assert.True(y.sub(io["y"]).abs().max().ToDouble() < 1e-5);
    }

    [Fact]
    public void StrictLoadListsMissingAndUnexpectedKeys()
    {
        using var net = new TinyNet();
        var sd = new Dictionary<string, Tensor>(net.state_dict());
        sd.Remove("head.bias");
        sd["extra.weight"] = torch.zeros(1);
        var e = Assert.Throws<KeyNotFoundException>(() => net.load_state_dict(sd));
        Assert.Contains("missing keys [head.bias]", e.Message);
        Assert.Contains("unexpected keys [extra.weight]", e.Message);
        net.load_state_dict(sd, strict: false); // non-strict ignores both
    }

    [Fact]
    public void ShapeMismatchNamesTheKey()
    {
        using var net = new TinyNet();
        var sd = new Dictionary<string, Tensor>(net.state_dict()) { ["head.weight"] = torch.zeros(3, 4) };
        var e = Assert.Throws<ArgumentException>(() => net.load_state_dict(sd));
        Assert.Contains("'head.weight'", e.Message);
        Assert.Contains("[3,4]", e.Message);
    }

    [Fact]
    public void TrainEvalPropagatesAndParametersAreLeaves()
    {
        using var net = new TinyNet();
        net.eval();
        Assert.All(net.named_modules(), m => Assert.False(m.module.training));
        net.train();
        Assert.True(net.blocks[1].bn.training);
        Assert.All(net.parameters(), p => Assert.True(p.requires_grad && p.is_leaf));
        Assert.Equal(8 * 3 * 9 + 8 + 2 * (8 * 8 * 9 + 8 + 8 + 8) + 8 * 4 * 16 + 4 + 4 + 4 + 4 * 2 + 2, net.parameter_count());
        Assert.Equal(6, net.named_buffers().Count()); // running_mean, running_var, num_batches_tracked × 2
    }

    [Fact]
    public void BatchNormUpdatesRunningStatisticsInTraining()
    {
        using var bn = new BatchNorm2d(2);
        using var x = torch.ones(4, 2, 3, 3).mul(3);
        using var y = bn.forward(x);
        Assert.Equal(0.3, bn.running_mean.data<float>()[0], 5); // 0.9·0 + 0.1·3
        Assert.Equal(1L, bn.num_batches_tracked.item<long>());
    }

    [Fact]
    public void ToDtypeKeepsParameterIdentityForOptimizers()
    {
        using var lin = new Linear(3, 2);
        var w = lin.weight;
        lin.to(ScalarType.Float64);
        Assert.Same(w, lin.weight);
        Assert.Equal(ScalarType.Float64, lin.weight.dtype);
        Assert.True(lin.weight.requires_grad);
    }

    [Fact]
    public void SequentialNamesChildrenByIndex()
    {
        using var seq = torch.nn.Sequential(torch.nn.Conv2d(1, 2, 3), torch.nn.ReLU(), torch.nn.Conv2d(2, 1, 1));
        Assert.Equal(new[] { "0.weight", "0.bias", "2.weight", "2.bias" }, seq.state_dict().Keys);
        using var y = seq.forward(torch.zeros(1, 1, 5, 5));
        Assert.Equal(new long[] { 1, 1, 3, 3 }, y.shape);
    }

    [Fact]
    public void KaimingNormalHasTheRightSpread()
    {
        torch.manual_seed(0);
        using var t = torch.empty([256, 128, 3, 3]);
        torch.nn.init.kaiming_normal_(t, 0.1, torch.nn.FanMode.FanOut, torch.nn.Nonlinearity.LeakyReLU);
        double expected = Math.Sqrt(2 / (1 + 0.01)) / Math.Sqrt(256 * 9);
        Assert.Equal(expected, t.std().ToDouble(), 3);
    }
}
