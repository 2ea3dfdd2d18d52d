from tlsdoctor.cli import run

run()
