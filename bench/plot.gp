# Three panels against the number of streams, from run.sh's TSV:
# latency, server CPU per delivered event, memory per stream (the
# daemon's RSS, and the host's memory in use, kernel included).
# usage: gnuplot -e "tsv='X.tsv'; out='X.png'; title='...'" plot.gp
set terminal pngcairo size 900,1000 font ",10"
set output out
set datafile separator "\t"
set key top left autotitle columnhead
set grid
set xlabel "open streams"
set multiplot layout 3,1 title title

set ylabel "publish-to-receive latency (ms)"
set yrange [0:*]
plot tsv using 1:20 with linespoints lw 2 title "p50, kernel rx", \
     tsv using 1:21 with linespoints lw 2 title "p99, kernel rx", \
     tsv using 1:4 with linespoints dt 2 title "p50, read", \
     tsv using 1:6 with linespoints dt 2 title "p99, read"

set ylabel "CPU per delivered event (us)"
set key bottom right
plot tsv using 1:11 with linespoints lw 2 title "server", \
     tsv using 1:13 with linespoints dt 2 title "client (same host)"

set ylabel "memory per stream (KiB)"
set key bottom right
plot tsv using 1:15 with linespoints lw 2 title "server RSS / stream", \
     tsv using 1:24 with linespoints dt 2 title "host memory in use / stream"
unset multiplot
