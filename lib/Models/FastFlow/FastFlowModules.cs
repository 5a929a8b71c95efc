using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;
using static TorchSharp.torch.nn.functional;

namespace DistillKit.Models.FastFlow;

/// <summary>
/// FastFlowNet's shared feature pyramid: levels 1–3 of 3×3 convs (bias, LeakyReLU), the first of each level with
/// stride 2 (paper: 3→16, 16→16; 16→32, 32→32, 32→32; 32→64, 64→64, 64→64); levels 4, 5, 6 are successive 2×2
/// average pools (stride 2) of level 3.
/// </summary>
public sealed class FastFlowPyramid : Module<Tensor, Tensor[]>
{
    public Conv2d conv1_1, conv1_2;
    public Conv2d conv2_1, conv2_2, conv2_3;
    public Conv2d conv3_1, conv3_2, conv3_3;
    readonly Scalar _slope;  // held: see Pwc.LeakyRelu

    public FastFlowPyramid(int[] channels, double slope) : base(nameof(FastFlowPyramid))
    {
        if (channels.Length != 3) throw new ArgumentException($"FastFlowNet's pyramid has 3 conv levels, got {channels.Length} widths");
        var (c1, c2, c3) = (channels[0], channels[1], channels[2]);
        _slope = slope;
        (conv1_1, conv1_2) = (Conv(3, c1, 2), Conv(c1, c1));
        (conv2_1, conv2_2, conv2_3) = (Conv(c1, c2, 2), Conv(c2, c2), Conv(c2, c2));
        (conv3_1, conv3_2, conv3_3) = (Conv(c2, c3, 2), Conv(c3, c3), Conv(c3, c3));
        RegisterComponents();
    }

    internal static Conv2d Conv(long cin, long cout, long stride = 1, long groups = 1) =>
        nn.Conv2d(cin, cout, 3, stride: stride, padding: 1, groups: groups);

    /// <summary>Features of levels 1..6 (index 0 = level 1, 1/2 resolution; index 5 = level 6, 1/64) of images [B,3,H,W].</summary>
    public override Tensor[] forward(Tensor image)
    {
        var levels = new Tensor[6];
        var x = image;
        foreach (var (level, convs) in new[] { (0, new[] { conv1_1, conv1_2 }), (1, [conv2_1, conv2_2, conv2_3]), (2, [conv3_1, conv3_2, conv3_3]) })
        {
            foreach (var conv in convs) x = conv.forward(x).leaky_relu_(_slope);
            levels[level] = x;
        }
        for (int level = 3; level < 6; level++) x = levels[level] = avg_pool2d(x, 2, 2);
        return levels;
    }
}

/// <summary>
/// One level's flow decoder: conv1 (input → width), three grouped convs (width → width, <c>groups</c>) each followed by a
/// channel shuffle, conv5, conv6, all 3×3 with LeakyReLU, then <c>predict</c>, a 3×3 conv to the 2 flow channels
/// without activation (paper: 87→96, 3 × 96→96 (groups 3), 96→64, 64→32, 32→2).
/// </summary>
public sealed class FastFlowDecoder : Module<Tensor, Tensor>
{
    public Conv2d conv1, conv2, conv3, conv4, conv5, conv6, predict;
    readonly long _groups;
    readonly Scalar _slope;  // held: see Pwc.LeakyRelu

    public FastFlowDecoder(int inChannels, int[] channels, int groups, double slope) : base(nameof(FastFlowDecoder))
    {
        if (channels.Length != 3) throw new ArgumentException($"FastFlowNet's decoder has 3 widths (grouped, conv5, conv6), got {channels.Length}");
        var (width, c5, c6) = (channels[0], channels[1], channels[2]);
        if (groups < 1 || width % groups != 0)
            throw new ArgumentException($"decoder width {width} must be a multiple of its {groups} groups");
        _groups = groups;
        _slope = slope;
        conv1 = FastFlowPyramid.Conv(inChannels, width);
        (conv2, conv3, conv4) = (FastFlowPyramid.Conv(width, width, groups: groups), FastFlowPyramid.Conv(width, width, groups: groups),
            FastFlowPyramid.Conv(width, width, groups: groups));
        (conv5, conv6, predict) = (FastFlowPyramid.Conv(width, c5), FastFlowPyramid.Conv(c5, c6), FastFlowPyramid.Conv(c6, 2));
        RegisterComponents();
    }

    /// <summary>Flow residual [B,2,h,w] (storage units: full-resolution pixels / 20) from the level's decoder input.</summary>
    public override Tensor forward(Tensor x)
    {
        x = conv1.forward(x).leaky_relu_(_slope);
        foreach (var conv in new[] { conv2, conv3, conv4 }) x = ChannelShuffle(conv.forward(x).leaky_relu_(_slope), _groups);
        x = conv5.forward(x).leaky_relu_(_slope);
        x = conv6.forward(x).leaky_relu_(_slope);
        return predict.forward(x);
    }

    /// <summary>ShuffleNet's shuffle: view [B,g,C/g,H,W], swap dims 1 and 2, flatten back to [B,C,H,W].</summary>
    public static Tensor ChannelShuffle(Tensor x, long groups)
    {
        long b = x.size(0), c = x.size(1), h = x.size(2), w = x.size(3);
        return x.view(b, groups, c / groups, h, w).transpose(1, 2).reshape(b, c, h, w);
    }
}
